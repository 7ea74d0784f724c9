//! The `when` conditions of oci-hooks(5) files, matched against a
//! container's config.json alone.
//!
//! The rules are those of containers/common (`pkg/hooks/1.0.0/when.go`),
//! which Podman and CRI-O use:
//!
//! - every condition present must hold (the legacy 0.1.0 form: any one);
//! - a `when` with no condition never matches;
//! - `always: false` never matches (in the 0.1.0 form it is no condition);
//! - `hasBindMounts: true` holds when the container has a bind mount;
//!   `hasBindMounts: false` never holds, so it never matches;
//! - each `annotations` entry holds when some annotation's key matches the
//!   key regex and that annotation's value matches the value regex;
//! - `commands` holds when `process.args[0]` matches one of its regexes;
//! - an empty `annotations` object or `commands` list is no condition;
//! - regexes are unanchored searches (write `^...$` to match all of it).
//!
//! Where this module deliberately differs from containers/common:
//!
//! - `commands` against a config.json with no `process` or an empty
//!   `process.args` does not hold. containers/common skips the condition
//!   when there is no `process` (so `always` plus `commands` matches) and
//!   fails the whole create when `process.args` is empty.
//! - containers/common is told by the engine whether the user asked for
//!   bind mounts; this shim sees only config.json, so a bind mount counts
//!   unless its destination is one that engines add by themselves
//!   ([`ENGINE_BIND_MOUNTS`]).
//! - Regexes use the syntax of the `regex` crate, which is RE2's, as Go's
//!   is; `\d`, `\w`, `\s` and `\b` are Unicode-aware here and ASCII-only
//!   in Go. A compiled regex is bounded ([`REGEX_SIZE_LIMIT`]).
//! - A regex is compiled the first time a container needs it, so a file
//!   with an invalid regex fails (or, with `strict = false`, is skipped
//!   for) only the containers that reach that condition; containers/common
//!   refuses the file when it loads it. `ctk hooks validate` reports it
//!   ahead of time either way.

use regex::{Regex, RegexBuilder};
use serde::Serialize;
use serde_json::Value;
use std::sync::OnceLock;

/// The largest compiled program a hook file's regex may make.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The largest lazy DFA cache a hook file's regex may use.
pub const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;

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

/// A regex from a hook file, compiled the first time it is needed. A regex
/// made only of literal characters (escaped punctuation included) and
/// `^`/`$` anchors, such as `^/bin/sh$` or `^io\.example\.verify$`, is
/// matched as the string it stands for, without compiling anything.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The regex as written.
    pub source: String,
    /// Where it is in the file, e.g. `when.commands[1]`.
    pub field: String,
    literal: Option<Literal>,
    compiled: OnceLock<Result<Regex, String>>,
}

/// A regex that is a plain string, and where it must match.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Literal {
    Whole(String),
    Prefix(String),
    Suffix(String),
    Anywhere(String),
}

impl Literal {
    /// The literal a regex stands for, if it is one.
    fn of(source: &str) -> Option<Literal> {
        let (start, rest) = match source.strip_prefix('^') {
            Some(r) => (true, r),
            None => (false, source),
        };
        let mut text = String::with_capacity(rest.len());
        let mut end = false;
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            if end {
                return None; // something after `$`
            }
            match c {
                '\\' => match chars.next() {
                    Some(e) if e.is_ascii_punctuation() => text.push(e),
                    _ => return None,
                },
                '$' => end = true,
                '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' => {
                    return None
                }
                c => text.push(c),
            }
        }
        Some(match (start, end) {
            (true, true) => Literal::Whole(text),
            (true, false) => Literal::Prefix(text),
            (false, true) => Literal::Suffix(text),
            (false, false) => Literal::Anywhere(text),
        })
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            Literal::Whole(l) => text == l,
            Literal::Prefix(l) => text.starts_with(l.as_str()),
            Literal::Suffix(l) => text.ends_with(l.as_str()),
            Literal::Anywhere(l) => text.contains(l.as_str()),
        }
    }
}

impl Pattern {
    pub fn new(source: impl Into<String>, field: impl Into<String>) -> Pattern {
        let source = source.into();
        Pattern {
            literal: Literal::of(&source),
            source,
            field: field.into(),
            compiled: OnceLock::new(),
        }
    }

    /// The compiled regex, or the fault (naming the field) when it does not
    /// compile.
    pub fn regex(&self) -> Result<&Regex, String> {
        self.compiled
            .get_or_init(|| compile(&self.source))
            .as_ref()
            .map_err(|e| {
                format!(
                    "field `{}`: invalid regex {:?}: {e}",
                    self.field, self.source
                )
            })
    }

    /// Whether the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        if let Some(literal) = &self.literal {
            return Ok(literal.is_match(text));
        }
        Ok(self.regex()?.is_match(text))
    }

    /// Whether the regex was compiled already (for tests of laziness).
    pub fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
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

fn compile(source: &str) -> Result<Regex, String> {
    RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| regex_fault(&e))
}

/// A regex error in one line: the parser's own message without its
/// diagram of the pattern.
fn regex_fault(err: &regex::Error) -> String {
    match err {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or("syntax error")
            .to_string(),
        regex::Error::CompiledTooBig(limit) => {
            format!("compiled regex exceeds the size limit of {limit} bytes")
        }
        other => other.to_string().replace('\n', " "),
    }
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
    pub annotations: Vec<AnnotationRule>,
    pub commands: Vec<Pattern>,
    pub has_bind_mounts: Option<bool>,
    pub combine: Combine,
}

/// What the conditions look at in one config.json, worked out once per
/// container.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// `annotations`, string values only, in file order.
    pub annotations: Vec<(&'a str, &'a str)>,
    /// `process.args[0]`; `None` without `process` or with empty args.
    pub command: Option<&'a str>,
    /// Whether config.json has a `process` object.
    pub has_process: bool,
    /// Destinations of the bind mounts that count for `hasBindMounts`.
    pub bind_mounts: Vec<String>,
}

impl<'a> Facts<'a> {
    /// Reads the facts out of a config.json value.
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
            .and_then(Value::as_str);
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

/// One condition and whether it holds, for `ctk hooks preview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The condition as the file states it, e.g. `commands ~ "^/bin/sh$"`.
    pub condition: String,
    /// What config.json has, e.g. `process.args[0] = "/bin/sh"`.
    pub found: String,
    pub holds: bool,
    /// Why the condition could not be decided (an invalid regex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Every condition of a `when` with its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub combine: Combine,
    pub checks: Vec<Check>,
    pub matches: bool,
    /// The first fault met (an invalid regex); the file is then refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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

    /// Whether the conditions hold for a container. Cheap conditions are
    /// decided first, and regexes are compiled only when a result depends
    /// on them. Fails (naming the field) on a regex that does not compile.
    pub fn matches(&self, facts: &Facts<'_>) -> Result<bool, String> {
        if self.is_empty() {
            return Ok(false);
        }
        let mut results = ConditionResults::new(self.combine);
        if let Some(always) = self.always {
            if let Some(done) = results.add(always) {
                return Ok(done);
            }
        }
        if let Some(wanted) = self.has_bind_mounts {
            if let Some(done) = results.add(wanted && facts.has_bind_mounts()) {
                return Ok(done);
            }
        }
        if !self.commands.is_empty() {
            let holds = commands_hold(&self.commands, facts)?;
            if let Some(done) = results.add(holds) {
                return Ok(done);
            }
        }
        for rule in &self.annotations {
            let holds = annotation_holds(rule, facts)?.is_some();
            if let Some(done) = results.add(holds) {
                return Ok(done);
            }
        }
        Ok(results.finish())
    }

    /// Every condition with its result, and the overall result; every
    /// regex is compiled.
    pub fn explain(&self, facts: &Facts<'_>) -> Explanation {
        let mut checks = Vec::new();
        let mut error = None;
        if let Some(always) = self.always {
            checks.push(Check {
                condition: format!("always = {always}"),
                found: "-".to_string(),
                holds: always,
                error: None,
            });
        }
        if let Some(wanted) = self.has_bind_mounts {
            let found = if facts.bind_mounts.is_empty() {
                "no bind mount besides those engines add".to_string()
            } else {
                format!("bind mounts at {}", facts.bind_mounts.join(", "))
            };
            checks.push(Check {
                condition: format!("hasBindMounts = {wanted}"),
                found,
                holds: wanted && facts.has_bind_mounts(),
                error: None,
            });
        }
        if !self.commands.is_empty() {
            let list: Vec<String> = self
                .commands
                .iter()
                .map(|p| format!("{:?}", p.source))
                .collect();
            let found = match (facts.command, facts.has_process) {
                (Some(c), _) => format!("process.args[0] = {c:?}"),
                (None, true) => "process.args is empty".to_string(),
                (None, false) => "no process".to_string(),
            };
            let (holds, err) = match commands_hold(&self.commands, facts) {
                Ok(h) => (h, None),
                Err(e) => (false, Some(e)),
            };
            error = error.or(err.clone());
            checks.push(Check {
                condition: format!("commands ~ {}", list.join(" | ")),
                found,
                holds,
                error: err,
            });
        }
        for rule in &self.annotations {
            let (found, holds, err) = match annotation_holds(rule, facts) {
                Ok(Some((k, v))) => (format!("annotation {k:?} = {v:?}"), true, None),
                Ok(None) if facts.annotations.is_empty() => {
                    ("no annotations".to_string(), false, None)
                }
                Ok(None) => ("no annotation matches".to_string(), false, None),
                Err(e) => ("-".to_string(), false, Some(e)),
            };
            error = error.or(err.clone());
            checks.push(Check {
                condition: format!(
                    "annotations {:?} ~ {:?}",
                    rule.key.source, rule.value.source
                ),
                found,
                holds,
                error: err,
            });
        }
        let matches = error.is_none()
            && !checks.is_empty()
            && match self.combine {
                Combine::All => checks.iter().all(|c| c.holds),
                Combine::Any => checks.iter().any(|c| c.holds),
            };
        Explanation {
            combine: self.combine,
            checks,
            matches,
            error,
        }
    }
}

/// Folds condition results under a [`Combine`] rule, telling when the
/// answer is known before every condition is looked at.
struct ConditionResults {
    combine: Combine,
    seen: usize,
}

impl ConditionResults {
    fn new(combine: Combine) -> Self {
        ConditionResults { combine, seen: 0 }
    }

    /// Adds one result; `Some(answer)` when it decides the outcome.
    fn add(&mut self, holds: bool) -> Option<bool> {
        self.seen += 1;
        match (self.combine, holds) {
            (Combine::All, false) => Some(false),
            (Combine::Any, true) => Some(true),
            _ => None,
        }
    }

    fn finish(self) -> bool {
        match self.combine {
            Combine::All => self.seen > 0,
            Combine::Any => false,
        }
    }
}

fn commands_hold(commands: &[Pattern], facts: &Facts<'_>) -> Result<bool, String> {
    let Some(command) = facts.command else {
        return Ok(false);
    };
    for pattern in commands {
        if pattern.is_match(command)? {
            return Ok(true);
        }
    }
    Ok(false)
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
            assert_eq!(Pattern::new(p, "f").is_anchored(), anchored, "{p}");
        }
    }

    #[test]
    fn regex_errors_are_one_line_and_name_the_field() {
        let p = Pattern::new("[", "when.commands[0]");
        let err = p.is_match("x").unwrap_err();
        assert!(
            err.starts_with("field `when.commands[0]`: invalid regex \"[\": "),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        let big = Pattern::new("(?:a{1000}){1000}", "when.commands[0]");
        let err = big.is_match("a").unwrap_err();
        assert!(err.contains("size limit"), "{err}");
    }

    #[test]
    fn literal_regexes_are_recognised() {
        use Literal::*;
        for (p, want) in [
            ("^/bin/sh$", Some(Whole("/bin/sh".into()))),
            (
                "^io\\.example\\.verify$",
                Some(Whole("io.example.verify".into())),
            ),
            ("^/usr/", Some(Prefix("/usr/".into()))),
            ("/init$", Some(Suffix("/init".into()))),
            ("sh", Some(Anywhere("sh".into()))),
            ("", Some(Anywhere(String::new()))),
            ("^$", Some(Whole(String::new()))),
            (".*/init$", None),
            ("^a|b$", None),
            ("^a$b", None),
            ("\\d", None),
            ("(?i)^a$", None),
            ("^a\\$", Some(Prefix("a$".into()))),
        ] {
            assert_eq!(Literal::of(p), want, "{p}");
        }
    }

    proptest::proptest! {
        /// The string shortcut gives the regex's answer.
        #[test]
        fn literal_shortcut_agrees_with_the_regex(
            start in proptest::bool::ANY,
            end in proptest::bool::ANY,
            body in "([a-c/. -]|\\\\[.$^/-]){0,6}",
            text in "[a-c/.$^ -]{0,8}",
        ) {
            let source = format!("{}{body}{}", if start { "^" } else { "" }, if end { "$" } else { "" });
            let fast = Pattern::new(source.clone(), "f");
            let slow = compile(&source).unwrap();
            if fast.literal.is_some() {
                proptest::prop_assert_eq!(fast.is_match(&text).unwrap(), slow.is_match(&text), "{} on {:?}", source, text);
            }
        }
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
}

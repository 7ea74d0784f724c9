//! Setting keys of config.toml from the command line (`ctk config --set
//! TABLE.KEY=VALUE`), keeping the file's comments and layout, and checking
//! the result with [`Config::parse`].

use crate::engines::toml_util as tu;
use container_hooks_core::config::Config;
use toml_edit::{Array, DocumentMut, Value};

/// The type of a config key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    String,
    Bool,
    Integer,
    StringArray,
}

/// Every key of config.toml: (table, key, type).
pub const KEYS: &[(&str, &str, KeyType)] = &[
    ("container-hooks", "path", KeyType::String),
    ("container-hooks", "hooks-dirs", KeyType::StringArray),
    ("container-hooks", "strict", KeyType::Bool),
    ("container-hooks", "missing-hook-program", KeyType::String),
    ("container-hooks-runtime", "debug", KeyType::String),
    ("container-hooks-runtime", "log-level", KeyType::String),
    ("container-hooks-runtime", "runtimes", KeyType::StringArray),
    ("container-hooks-ctk", "path", KeyType::String),
    ("container-hooks-ctk", "restart-mode", KeyType::String),
];

/// An error of `--set`: one line naming the key and the fault.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error("--set {0:?}: expected TABLE.KEY=VALUE, for example container-hooks-runtime.runtimes=runc,crun")]
    Syntax(String),
    #[error("--set: unknown key {key:?}; known keys: {known}")]
    UnknownKey { key: String, known: String },
    #[error("--set {key}: {value:?} is not {what}")]
    BadValue {
        key: String,
        value: String,
        what: &'static str,
    },
    #[error("{0}")]
    Invalid(String),
}

fn known() -> String {
    KEYS.iter()
        .map(|(t, k, _)| format!("{t}.{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses one `TABLE.KEY=VALUE` into its table, key and typed value.
pub fn parse_assignment(arg: &str) -> Result<(&'static str, &'static str, Value), SetError> {
    let (name, raw) = arg
        .split_once('=')
        .ok_or_else(|| SetError::Syntax(arg.to_string()))?;
    let name = name.trim();
    let (table, key) = name
        .rsplit_once('.')
        .ok_or_else(|| SetError::Syntax(arg.to_string()))?;
    let (t, k, ty) = KEYS
        .iter()
        .find(|(t, k, _)| *t == table && *k == key)
        .ok_or_else(|| SetError::UnknownKey {
            key: name.to_string(),
            known: known(),
        })?;
    let bad = |what| SetError::BadValue {
        key: name.to_string(),
        value: raw.to_string(),
        what,
    };
    let value = match ty {
        KeyType::String => Value::from(raw),
        KeyType::Bool => match raw.trim() {
            "true" => Value::from(true),
            "false" => Value::from(false),
            _ => return Err(bad("true or false")),
        },
        KeyType::Integer => Value::from(raw.trim().parse::<i64>().map_err(|_| bad("an integer"))?),
        KeyType::StringArray => {
            let mut a = Array::new();
            for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                a.push(part);
            }
            Value::Array(a)
        }
    };
    Ok((t, k, value))
}

/// Applies the assignments to a config.toml text and checks the result.
/// `name` names the text in errors.
pub fn set(text: &str, name: &std::path::Path, assignments: &[String]) -> Result<String, SetError> {
    let mut doc: DocumentMut =
        tu::parse(name, text).map_err(|e| SetError::Invalid(e.to_string()))?;
    for arg in assignments {
        let (table, key, value) = parse_assignment(arg)?;
        let t = tu::table_mut(doc.as_table_mut(), &[table], name, &mut Vec::new())
            .map_err(|e| SetError::Invalid(e.to_string()))?;
        t.set_implicit(false);
        tu::set_value(t, key, value);
    }
    let out = doc.to_string();
    Config::parse(&out)
        .map_err(|fault| SetError::Invalid(format!("the result is not a valid config: {fault}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use container_hooks_core::config::DEFAULT_TOML;
    use std::path::Path;

    #[test]
    fn sets_typed_values_and_keeps_comments() {
        let out = set(
            DEFAULT_TOML,
            Path::new("config.toml"),
            &[
                "container-hooks-runtime.runtimes=runc, crun,/opt/x".into(),
                "container-hooks.strict=false".into(),
                "container-hooks-runtime.log-level=debug".into(),
            ],
        )
        .unwrap();
        let c = Config::parse(&out).unwrap();
        assert_eq!(c.runtime.runtimes, vec!["runc", "crun", "/opt/x"]);
        assert!(!c.hooks.strict);
        assert!(out.contains("# The real OCI runtimes, tried in order."));
        assert_eq!(out.lines().count(), DEFAULT_TOML.lines().count());
    }

    #[test]
    fn unknown_key_and_bad_values_are_named() {
        for (assignment, says) in [
            ("container-hooks.nope=1", "\"container-hooks.nope\""),
            ("container-hooks.strict=yes", "true or false"),
            (
                "container-hooks-runtime.log-level=loud",
                "not a valid config",
            ),
            ("novalue", "TABLE.KEY=VALUE"),
        ] {
            let e = set("", Path::new("c"), &[assignment.into()])
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{assignment}: {e}");
        }
    }
}

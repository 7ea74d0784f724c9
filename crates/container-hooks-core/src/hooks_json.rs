//! hooks.json: an object keyed by stage name, each a list of OCI hooks,
//! applied to every container.

use crate::error::{json_fault, FileError};
use crate::hook::{Hook, HookSet, Stage};
use crate::trust::{read_trusted, MAX_SOURCE_BYTES};
use std::path::Path;

/// Reads hooks.json; a missing file means no hooks.
pub fn load(path: &Path) -> Result<HookSet, FileError> {
    match read_trusted(path, MAX_SOURCE_BYTES)? {
        None => Ok(HookSet::new()),
        Some(bytes) => parse(&bytes).map_err(|fault| FileError::new(path, fault)),
    }
}

/// Parses hooks.json; the fault names the field.
pub fn parse(bytes: &[u8]) -> Result<HookSet, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| json_fault(&e))?;
    let serde_json::Value::Object(stages) = value else {
        return Err("not a JSON object keyed by hook stage".to_string());
    };
    let mut set = HookSet::new();
    for (name, hooks) in stages {
        let stage = Stage::from_name(&name).ok_or_else(|| {
            format!(
                "field `{name}`: unknown hook stage (expected one of {})",
                Stage::ALL.map(|s| s.as_str()).join(", ")
            )
        })?;
        let serde_json::Value::Array(hooks) = hooks else {
            return Err(format!("field `{name}`: not a list of hooks"));
        };
        for (i, hook) in hooks.into_iter().enumerate() {
            let hook: Hook =
                serde_json::from_value(hook).map_err(|e| format!("field `{name}[{i}]`: {e}"))?;
            hook.check().map_err(|fault| {
                format!(
                    "field `{name}[{i}]`: {}",
                    fault.trim_start_matches("field ")
                )
            })?;
            set.push(stage, hook);
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let p = test_support::fixture(&format!("hooks/legacy/{name}"));
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn all_stages_fixture_reads_in_order() {
        let set = parse(&fixture("all-stages.json")).unwrap();
        for stage in Stage::ALL {
            assert_eq!(set.stage(stage).len(), 1, "{stage}");
        }
        assert_eq!(set.stage(Stage::Prestart)[0].timeout, Some(5));
        assert_eq!(set.stage(Stage::StartContainer)[0].path, "/bin/true");
    }

    #[test]
    fn seed_file_with_marker_reads() {
        let set = parse(&fixture("hooks.json")).unwrap();
        let pre = set.stage(Stage::Prestart);
        assert_eq!(pre.len(), 2);
        assert!(pre[0].is_marker());
    }

    #[test]
    fn invalid_fixtures_name_the_field() {
        let err = parse(&fixture("invalid-unknown-stage.json")).unwrap_err();
        assert!(
            err.contains("`preStart`") && err.contains("unknown hook stage"),
            "{err}"
        );
        let err = parse(&fixture("invalid-bad-timeout.json")).unwrap_err();
        assert!(
            err.contains("poststop[0]") && err.contains("timeout"),
            "{err}"
        );
        let err = parse(&fixture("invalid-relative-path.json")).unwrap_err();
        assert!(
            err.contains("prestart[0]") && err.contains("absolute"),
            "{err}"
        );
    }

    #[test]
    fn malformed_and_wrong_shapes() {
        assert!(parse(b"{\"prestart\": [")
            .unwrap_err()
            .contains("truncated"));
        assert!(parse(b"[]").unwrap_err().contains("object"));
        assert!(parse(b"{\"prestart\": {}}").unwrap_err().contains("list"));
        assert!(
            parse(b"{\"prestart\": [{\"path\": \"/x\", \"timeout\": -3}]}")
                .unwrap_err()
                .contains("timeout")
        );
        assert!(parse(b"{\"prestart\": [{\"path\": \"/x\", \"arg\": []}]}")
            .unwrap_err()
            .contains("unknown field `arg`"));
        assert!(parse(b"{}").unwrap().is_empty());
    }
}

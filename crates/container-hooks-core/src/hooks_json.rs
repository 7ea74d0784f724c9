//! hooks.json: an object keyed by stage name, each a list of OCI hooks,
//! applied to every container.

use crate::error::FileError;
use crate::gojson::{self, Kind};
use crate::hook::{Hook, HookSet, Stage};
use crate::trust::{read_trusted, MAX_SOURCE_BYTES};
use std::ops::Range;
use std::path::Path;

/// Reads hooks.json; a missing file means no hooks.
pub fn load(path: &Path) -> Result<HookSet, FileError> {
    match read_trusted(path, MAX_SOURCE_BYTES)? {
        None => Ok(HookSet::new()),
        Some(bytes) => parse(&bytes).map_err(|fault| FileError::new(path, fault)),
    }
}

/// Parses hooks.json; the fault names the field. The JSON is read in one
/// pass ([`gojson`]) and the hooks taken from it directly, without
/// building JSON values: a host may list many hooks, and this runs on
/// every container create. A stage named twice keeps its last list.
///
/// [`gojson`]: crate::gojson
pub fn parse(bytes: &[u8]) -> Result<HookSet, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not valid UTF-8 (byte {})", e.valid_up_to()))?;
    let checked = gojson::check(bytes).map_err(|e| e.fault(bytes))?;
    let end = gojson::skip_ws(bytes, checked.value.end);
    if end < bytes.len() {
        let fault = gojson::SyntaxError {
            offset: end,
            what: "trailing characters after the object".to_string(),
            truncated: false,
        };
        return Err(fault.fault(bytes));
    }
    let Some(members) = checked.members else {
        return Err("not a JSON object keyed by hook stage".to_string());
    };
    let mut stages: Vec<(Stage, Vec<Hook>)> = Vec::new();
    for m in members {
        let name = gojson::unquote_str(text, m.key.clone());
        let stage = Stage::from_name(&name).ok_or_else(|| {
            format!(
                "field `{name}`: unknown hook stage (expected one of {})",
                Stage::ALL.map(|s| s.as_str()).join(", ")
            )
        })?;
        if gojson::kind(bytes, m.value.start) != Some(Kind::Array) {
            return Err(format!("field `{name}`: not a list of hooks"));
        }
        let mut hooks = Vec::new();
        for (i, el) in gojson::elements(bytes, m.value).enumerate() {
            let hook = decode_hook(text, el).map_err(|f| format!("field `{name}[{i}]`: {f}"))?;
            hook.check().map_err(|fault| {
                format!(
                    "field `{name}[{i}]`: {}",
                    fault.trim_start_matches("field ")
                )
            })?;
            hooks.push(hook);
        }
        stages.retain(|(s, _)| *s != stage);
        stages.push((stage, hooks));
    }
    let mut set = HookSet::new();
    for (stage, hooks) in stages {
        for hook in hooks {
            set.push(stage, hook);
        }
    }
    Ok(set)
}

/// One hook object: `path`, `args`, `env`, `timeout` and nothing else.
fn decode_hook(text: &str, at: Range<usize>) -> Result<Hook, String> {
    let bytes = text.as_bytes();
    if gojson::kind(bytes, at.start) != Some(Kind::Object) {
        return Err("invalid type: expected a hook object".to_string());
    }
    let mut hook = Hook {
        path: String::new(),
        args: None,
        env: None,
        timeout: None,
    };
    let mut seen = [false; 4];
    for m in gojson::members(bytes, at) {
        let key = gojson::unquote_str(text, m.key.clone());
        let Some(field) = ["path", "args", "env", "timeout"]
            .iter()
            .position(|f| *f == key)
        else {
            return Err(format!(
                "unknown field `{key}`, expected one of `path`, `args`, `env`, `timeout`"
            ));
        };
        if std::mem::replace(&mut seen[field], true) {
            return Err(format!("duplicate field `{key}`"));
        }
        let kind = gojson::kind(bytes, m.value.start);
        let strings = || -> Result<Option<Vec<String>>, String> {
            match kind {
                Some(Kind::Null) => Ok(None),
                Some(Kind::Array) => gojson::elements(bytes, m.value.clone())
                    .map(|e| match gojson::kind(bytes, e.start) {
                        Some(Kind::String) => Ok(gojson::unquote_str(text, e).into_owned()),
                        _ => Err(format!(
                            "field `{key}`: invalid type: expected a list of strings"
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                _ => Err(format!(
                    "field `{key}`: invalid type: expected a list of strings"
                )),
            }
        };
        match &*key {
            "path" if kind == Some(Kind::String) => {
                hook.path = gojson::unquote_str(text, m.value.clone()).into_owned()
            }
            "path" => return Err("field `path`: invalid type: expected a string".to_string()),
            "args" => hook.args = strings()?,
            "env" => hook.env = strings()?,
            _ => {
                hook.timeout = match kind {
                    Some(Kind::Null) => None,
                    _ => Some(gojson::integer(bytes, m.value.clone()).ok_or_else(|| {
                        "field `timeout`: invalid type: expected an integer number of seconds"
                            .to_string()
                    })?),
                }
            }
        }
    }
    if !seen[0] {
        return Err("missing field `path`".to_string());
    }
    Ok(hook)
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
        for (text, want) in [
            (&b"{} x"[..], "trailing characters"),
            (b"{\"prestart\": [{\"args\": []}]}", "missing field `path`"),
            (
                b"{\"prestart\": [{\"path\": \"/x\", \"path\": \"/y\"}]}",
                "duplicate field `path`",
            ),
            (
                b"{\"prestart\": [{\"path\": \"/x\", \"timeout\": 1.5}]}",
                "prestart[0]`: field `timeout`",
            ),
            (
                b"{\"prestart\": [{\"path\": \"/x\", \"args\": [1]}]}",
                "field `args`",
            ),
            (b"{\"prestart\": [\"/x\"]}", "prestart[0]`: invalid type"),
            (b"{\"prestart\": [{\"path\": \"/\xff\"}]}", "UTF-8"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(
                err.contains(want),
                "{}: {err}",
                String::from_utf8_lossy(text)
            );
        }
        let set = parse(br#"{"poststop": [{"path": "/a"}], "poststop": [{"path": "/b", "args": null, "env": ["A=\u00e9"], "timeout": 7}]}"#).unwrap();
        assert_eq!(
            set.stage(Stage::Poststop),
            [Hook {
                path: "/b".into(),
                args: None,
                env: Some(vec!["A=\u{e9}".into()]),
                timeout: Some(7)
            }]
        );
    }
}

//! hooks.json: an object keyed by stage name, each a list of OCI hooks,
//! applied to every container.

use crate::error::FileError;
use crate::findings::{Findings, Stop};
use crate::gojson::{self, Kind};
use crate::hook::{Hook, HookFault, HookSet, Stage};
use crate::trust::{read_trusted, MAX_SOURCE_BYTES};
use std::ops::Range;
use std::path::Path;

/// Reads hooks.json; a missing file means no hooks. The error is the
/// first fault.
pub fn load(path: &Path) -> Result<HookSet, FileError> {
    match read_trusted(path, MAX_SOURCE_BYTES)? {
        None => Ok(HookSet::new()),
        Some(bytes) => parse(&bytes).map_err(|fault| FileError::new(path, fault)),
    }
}

/// [`load`], with every fault of the file (for `ctk hooks validate`).
pub fn load_all(path: &Path) -> Result<HookSet, Vec<FileError>> {
    match read_trusted(path, MAX_SOURCE_BYTES).map_err(|e| vec![e])? {
        None => Ok(HookSet::new()),
        Some(bytes) => parse_all(&bytes).map_err(|faults| {
            faults
                .into_iter()
                .map(|fault| FileError::new(path, fault))
                .collect()
        }),
    }
}

/// Parses hooks.json; the fault names the field. The JSON is read in one
/// pass ([`gojson`]) and the hooks taken from it directly, without
/// building JSON values: a host may list many hooks, and this runs on
/// every container create. A stage named twice keeps its last list.
///
/// [`gojson`]: crate::gojson
pub fn parse(bytes: &[u8]) -> Result<HookSet, String> {
    let mut faults = Findings::<false>::new();
    decode(bytes, &mut faults)
        .map_err(|Stop| faults.into_parts().0.into_iter().next().unwrap_or_default())
}

/// [`parse`], going on past a fault: every fault, in file order.
pub fn parse_all(bytes: &[u8]) -> Result<HookSet, Vec<String>> {
    let mut faults = Findings::<true>::new();
    decode(bytes, &mut faults).map_err(|Stop| faults.into_parts().0)
}

fn decode<const ALL: bool>(bytes: &[u8], faults: &mut Findings<ALL>) -> Result<HookSet, Stop> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| faults.fatal(format!("not valid UTF-8 (byte {})", e.valid_up_to())))?;
    let checked = gojson::check(bytes).map_err(|e| faults.fatal(e.fault(bytes)))?;
    let end = gojson::skip_ws(bytes, checked.value.end);
    if end < bytes.len() {
        let fault = gojson::SyntaxError {
            offset: end,
            what: "trailing characters after the object".to_string(),
            truncated: false,
        };
        return Err(faults.fatal(fault.fault(bytes)));
    }
    let Some(members) = checked.members else {
        return Err(faults.fatal("not a JSON object keyed by hook stage".to_string()));
    };
    let mut stages: Vec<(Stage, Vec<Hook>)> = Vec::new();
    for m in members {
        let name = gojson::unquote_str(text, m.key.clone());
        let Some(stage) = Stage::from_name(&name) else {
            faults.fault(format!(
                "field `{name}`: unknown hook stage ({})",
                Stage::unknown_hint(&name)
            ))?;
            continue;
        };
        if gojson::kind(bytes, m.value.start) != Some(Kind::Array) {
            faults.fault(format!("field `{name}`: not a list of hooks"))?;
            continue;
        }
        let mut hooks = Vec::new();
        for (i, el) in gojson::elements(bytes, m.value).enumerate() {
            hooks.push(decode_hook(text, el, (&name, i), faults)?);
        }
        stages.retain(|(s, _)| *s != stage);
        stages.push((stage, hooks));
    }
    faults.done()?;
    let mut set = HookSet::new();
    for (stage, hooks) in stages {
        for hook in hooks {
            set.push(stage, hook);
        }
    }
    Ok(set)
}

/// One hook object: `path`, `args`, `env`, `timeout` and nothing else,
/// by the rules every hook follows ([`Hook::check_each`]). Each fault
/// names the hook (`prestart[0]`) and its field; after a fault, the hook
/// given back is not used.
fn decode_hook<const ALL: bool>(
    text: &str,
    at: Range<usize>,
    (stage, i): (&str, usize),
    faults: &mut Findings<ALL>,
) -> Result<Hook, Stop> {
    let fault = |what: &str| format!("field `{stage}[{i}]`: {what}");
    let bytes = text.as_bytes();
    let mut hook = Hook {
        path: String::new(),
        args: None,
        env: None,
        timeout: None,
    };
    if gojson::kind(bytes, at.start) != Some(Kind::Object) {
        faults.fault(fault("invalid type: expected a hook object"))?;
        return Ok(hook);
    }
    let mut seen = [false; Hook::FIELDS.len()];
    // Whether an empty path is a fault of its own, not one said already
    // (missing, or not a string); only asked when going on past faults.
    let mut path_read = !ALL;
    for m in gojson::members(bytes, at) {
        let key = gojson::unquote_str(text, m.key.clone());
        let Some(field) = Hook::FIELDS.iter().position(|f| *f == key) else {
            faults.fault(fault(&format!(
                "unknown field `{key}`, expected one of `path`, `args`, `env`, `timeout`"
            )))?;
            continue;
        };
        if seen
            .get_mut(field)
            .is_some_and(|s| std::mem::replace(s, true))
        {
            faults.fault(fault(&format!("duplicate field `{key}`")))?;
            continue;
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
        let decoded = match &*key {
            "path" if kind == Some(Kind::String) => {
                hook.path = gojson::unquote_str(text, m.value.clone()).into_owned();
                path_read |= ALL;
                Ok(())
            }
            "path" => Err("field `path`: invalid type: expected a string".to_string()),
            "args" => strings().map(|v| hook.args = v),
            "env" => strings().map(|v| hook.env = v),
            _ => match kind {
                Some(Kind::Null) => {
                    hook.timeout = None;
                    Ok(())
                }
                _ => gojson::integer(bytes, m.value.clone())
                    .map(|t| hook.timeout = Some(t))
                    .ok_or_else(|| {
                        "field `timeout`: invalid type: expected an integer number of seconds"
                            .to_string()
                    }),
            },
        };
        if let Err(what) = decoded {
            faults.fault(fault(&what))?;
        }
    }
    if !seen[0] {
        faults.fault(fault("missing field `path`"))?;
    }
    hook.check_each(|f| match f {
        HookFault::EmptyPath if !path_read => Ok(()),
        _ => faults.fault(fault(&format!("`{}` {}", f.field(), f.what()))),
    })?;
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

    #[test]
    fn parse_all_names_every_fault_and_parse_the_first() {
        let text = br#"{"preStart": [{"path": "/x"}], "poststop": [{"path": "rel", "timeout": 0, "arg": []}, {"args": [1]}], "poststart": {}, "prestart": [{"path": "/ok"}]}"#;
        let faults = parse_all(text).unwrap_err();
        assert_eq!(
            faults,
            [
                "field `preStart`: unknown hook stage (did you mean \"prestart\"?)",
                "field `poststop[0]`: unknown field `arg`, expected one of `path`, `args`, `env`, `timeout`",
                "field `poststop[0]`: `path` is \"rel\": a hook path must be absolute",
                "field `poststop[0]`: `timeout` is 0: a hook timeout must be a positive number of seconds",
                "field `poststop[1]`: field `args`: invalid type: expected a list of strings",
                "field `poststop[1]`: missing field `path`",
                "field `poststart`: not a list of hooks",
            ]
        );
        assert_eq!(parse(text).unwrap_err(), faults[0]);
        assert_eq!(
            parse_all(&fixture("all-stages.json")).unwrap(),
            parse(&fixture("all-stages.json")).unwrap()
        );
        assert_eq!(
            parse_all(b"{\"prestart\": [").unwrap_err().len(),
            1,
            "a syntax error is the only fault"
        );
    }
}

//! Inputs found by the fuzz targets (`fuzz/`), kept as regression tests.
//! Each file in `tests/fuzz-regressions/` is named `<target>-<what>`.

use container_hooks_core::error::FileError;
use container_hooks_core::hooks_dir::HookFile;
use container_hooks_core::{config::Config, hooks_json, inject::Spec};
use std::path::Path;

fn input(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// hooks_json: a field name holding a newline (`"pat...\n..."`, written
/// as `\n` in the JSON) is quoted as it is in the fault, which split the
/// one-line error over several lines of stderr, the shim's log and runc's
/// log. The reader still quotes it raw (checked first, so that this input
/// keeps testing something); the error the user sees escapes it.
#[test]
fn hooks_json_field_name_with_newline_gives_one_line() {
    let bytes = input("hooks_json-newline-in-field-name.json");
    let fault = hooks_json::parse(&bytes).unwrap_err();
    assert!(
        fault.contains('\n'),
        "the fault no longer quotes the raw name: {fault:?}"
    );
    let err = FileError::new("/etc/container-hooks/hooks.json", fault).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("/etc/container-hooks/hooks.json: field `poststop[0]`: unknown field"),
        "{err}"
    );
    assert!(err.contains("\\n"), "the newline is shown escaped: {err}");
}

/// Whatever a reader quotes from its input (stage names, fields, paths),
/// the error the user sees is one line without control characters: a
/// [`FileError`] escapes them, made with `new` or with its fields, and so
/// does the file name. The readers below quote control characters raw or
/// escaped; at least one quotes them raw, or this tests nothing.
#[test]
fn file_errors_escape_what_readers_quote() {
    let path = Path::new("/etc/container-hooks/hooks.d/x.json");
    let cases: Vec<(&str, String)> = vec![
        ("hooks.json stage", hooks_json::parse(b"{\"pre\\nstart\": []}").unwrap_err()),
        ("hooks.json hook", hooks_json::parse(b"{\"prestart\": [{\"path\": \"rel\\u001b[31m\\n\"}]}").unwrap_err()),
        (
            "hook file",
            HookFile::parse(path, b"{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/x\"}, \"when\": {\"always\": true}, \"stages\": [\"pre\\nstart\"], \"x\\ny\": 1}")
                .unwrap_err()
                .fault,
        ),
        ("config.json", Spec::parse(b"{\"a\":\n\n\x01").unwrap_err()),
        ("config.toml", Config::parse("[container-hooks]\n\"pa\\nth\" = 1\n").unwrap_err()),
    ];
    let raw = cases
        .iter()
        .filter(|(_, fault)| fault.chars().any(char::is_control))
        .count();
    assert!(raw > 0, "no reader quotes a control character: {cases:?}");
    for (what, fault) in cases {
        let built = [
            FileError::new(path, fault.clone()),
            FileError {
                file: path.to_path_buf(),
                fault,
            },
        ];
        for err in built.map(|e| e.to_string()) {
            assert_eq!(err.lines().count(), 1, "{what}: {err:?}");
            assert!(!err.chars().any(char::is_control), "{what}: {err:?}");
        }
    }
    let err = FileError::new("/run/bundle\nid/config.json", "bad").to_string();
    assert_eq!(err, "/run/bundle\\nid/config.json: bad");
}

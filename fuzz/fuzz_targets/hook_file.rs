//! hooks.d files (oci-hooks(5), 1.0.0 and 0.1.0): any bytes parse to a
//! hook file or a one-line fault naming the file, and validate's reading
//! of every fault decides alike, its first fault the shim's; a parsed
//! file's `when` conditions are evaluated against a config.json without
//! panicking.
//! Input: the hook file, optionally followed by a NUL byte and a
//! config.json to match against (else Docker's captured config.json).
#![no_main]

use container_hooks_core::hooks_dir::HookFile;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

const DOCKER_SPEC: &[u8] = include_bytes!("../../tests/fixtures/oci/docker-20.10.json");

fuzz_target!(|data: &[u8]| {
    let (file, spec) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, DOCKER_SPEC),
    };
    let path = Path::new("/etc/container-hooks/hooks.d/fuzz.json");
    // Validate's reading decides alike and names the shim's fault first.
    let parsed = HookFile::parse(path, file);
    match (&parsed, HookFile::parse_all(path, file)) {
        (Ok(_), Ok(_)) => {}
        (Err(first), Err(all)) => assert_eq!(Some(first), all.errors().next().as_ref()),
        (shim, all) => panic!("the shim read {shim:?}, validate {all:?}"),
    }
    let hook_file = match parsed {
        Ok(f) => f,
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.starts_with("/etc/container-hooks/hooks.d/fuzz.json: "),
                "{text}"
            );
            assert!(
                !text.chars().any(char::is_control),
                "fault with control characters: {text:?}"
            );
            return;
        }
    };
    for (_, hooks) in hook_file.hook_set().iter() {
        for hook in hooks {
            assert!(hook.check().is_ok(), "{hook:?}");
        }
    }
    let _ = hook_file.check_patterns();
    let spec: serde_json::Value = match serde_json::from_slice(spec) {
        Ok(v) => v,
        Err(_) => serde_json::from_slice(DOCKER_SPEC).expect("fixture"),
    };
    if let Err(e) = hook_file.matches(&spec) {
        assert!(
            !e.to_string().chars().any(char::is_control),
            "fault with control characters: {e}"
        );
    }
});

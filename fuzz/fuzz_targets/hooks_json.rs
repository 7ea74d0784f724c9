//! hooks.json: any bytes parse to a hook set or a one-line fault.
#![no_main]

use container_hooks_core::error::FileError;
use container_hooks_core::hooks_json;
use libfuzzer_sys::fuzz_target;

/// The error as the user sees it (`FILE: FAULT`) is one line.
fn one_line(fault: &str) {
    let err = FileError::new("/x/file", fault).to_string();
    assert!(
        !err.chars().any(char::is_control),
        "fault with control characters: {err:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    match hooks_json::parse(data) {
        Ok(set) => {
            // Every hook that passed is valid by the rules.
            for (_, hooks) in set.iter() {
                for hook in hooks {
                    assert!(hook.check().is_ok(), "{hook:?}");
                }
            }
        }
        Err(fault) => one_line(&fault),
    }
});

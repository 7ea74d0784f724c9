//! config.toml: any text parses to a config or a one-line fault.
#![no_main]

use container_hooks_core::config::Config;
use container_hooks_core::error::FileError;
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
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text) {
        Ok(config) => assert!(!config.runtime.runtimes.is_empty()),
        Err(fault) => one_line(&fault),
    }
});

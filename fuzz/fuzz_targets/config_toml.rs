//! config.toml: any text parses to a config or a one-line fault.
#![no_main]

use container_hooks_core::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text) {
        Ok(config) => assert!(!config.runtime.runtimes.is_empty()),
        Err(fault) => assert!(!fault.contains('\n'), "multi-line fault: {fault:?}"),
    }
});

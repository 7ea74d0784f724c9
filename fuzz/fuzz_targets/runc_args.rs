//! The runc command line: any argument list, including non-UTF-8 bytes.
//! Arguments are the input split at NUL bytes (argv can hold no NUL).
#![no_main]

use container_hooks_core::runc_args::RuncArgs;
use libfuzzer_sys::fuzz_target;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

fuzz_target!(|data: &[u8]| {
    let args: Vec<&OsStr> = data.split(|&b| b == 0).map(OsStr::from_bytes).collect();
    let parsed = RuncArgs::parse(&args);
    // A bundle is only ever found for a command that reads config.json.
    if parsed.bundle.is_some() || parsed.bundle_missing_value {
        assert!(parsed.reads_spec(), "{args:?} -> {parsed:?}");
    }
    // The parse does not depend on a trailing empty argument list.
    let again = RuncArgs::parse(&args);
    assert_eq!(parsed, again);
});

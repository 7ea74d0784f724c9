//! The runc command line: any argument list, including non-UTF-8 bytes.
//! Arguments are the input split at NUL bytes (argv can hold no NUL).
#![no_main]

use container_hooks_core::runc_args::{Dialect, RuncArgs};
use libfuzzer_sys::fuzz_target;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

fuzz_target!(|data: &[u8]| {
    let args: Vec<&OsStr> = data.split(|&b| b == 0).map(OsStr::from_bytes).collect();
    let parsed = RuncArgs::parse(&args);
    // A bundle and an id only for a line on which runc reads config.json,
    // and then an id runc accepts.
    if parsed.bundle().is_some() || parsed.container_id().is_some() {
        assert!(parsed.reads_spec(), "{args:?} -> {parsed:?}");
    }
    if let Some(id) = parsed.container_id() {
        assert!(
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_+,-.".contains(&b)),
            "{args:?} -> {parsed:?}"
        );
    }
    let _ = RuncArgs::parse_as(&args, Dialect::Crun);
    // The parse keeps no state between calls: the same line, the same
    // answer.
    let again = RuncArgs::parse(&args);
    assert_eq!(parsed, again);
});

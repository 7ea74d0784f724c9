//! config.json: any bytes either are refused with a one-line fault or,
//! after injection, give a document that reads back as the same value,
//! and a second injection adds nothing; the view hook conditions read is
//! computed without panicking.
#![no_main]

use container_hooks_core::error::FileError;
use container_hooks_core::hook::{Hook, HookSet, Stage};
use container_hooks_core::inject::{Outcome, Spec};
use libfuzzer_sys::fuzz_target;

/// The error as the user sees it (`FILE: FAULT`) is one line.
fn one_line(fault: &str) {
    let err = FileError::new("/x/file", fault).to_string();
    assert!(
        !err.chars().any(char::is_control),
        "fault with control characters: {err:?}"
    );
}

fn hooks() -> HookSet {
    let mut set = HookSet::new();
    for (i, stage) in Stage::ALL.into_iter().enumerate() {
        set.push(
            stage,
            Hook {
                path: format!("/usr/libexec/hook-{i}"),
                args: Some(vec![format!("hook-{i}"), stage.to_string()]),
                env: Some(vec!["A=1".to_string()]),
                timeout: Some(5),
            },
        );
    }
    set
}

fuzz_target!(|data: &[u8]| {
    let mut spec = match Spec::parse(data) {
        Ok(s) => s,
        Err(fault) => {
            one_line(&fault);
            return;
        }
    };
    // What hook conditions see is computed for any input that parses.
    let _ = spec.condition_view();
    let before = spec.value().clone();
    let set = hooks();
    match spec.inject(&set) {
        Err(fault) => {
            one_line(&fault);
            // A refused spec is left unchanged.
            assert_eq!(spec.value(), before);
        }
        Ok(outcome) => {
            let bytes = spec.to_bytes();
            let mut again = Spec::parse(&bytes).expect("written config.json reads back");
            assert_eq!(again.value(), spec.value(), "round trip changed the value");
            let second = again.inject(&set).expect("second injection");
            assert!(
                matches!(second, Outcome::AlreadyPresent | Outcome::Marked),
                "{outcome:?} then {second:?}"
            );
            assert_eq!(again.to_bytes(), bytes, "second injection changed the file");
        }
    }
});

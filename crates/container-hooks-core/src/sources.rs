//! Gathering the hooks for one container, in application order: hooks.json
//! first, then the hooks.d files that match the container, in file order.

use crate::config::HooksConfig;
use crate::error::FileError;
use crate::hook::HookSet;
use crate::{hooks_dir, hooks_json};
use serde_json::Value;

/// The hooks for one container, and the sources skipped when not strict.
#[derive(Debug, Default)]
pub struct Collected {
    pub hooks: HookSet,
    pub skipped: Vec<FileError>,
}

/// Reads every hook source and keeps the hooks that apply to `spec`. With
/// `strict`, the first bad source is the error; otherwise bad sources are
/// skipped and listed in [`Collected::skipped`].
pub fn collect(config: &HooksConfig, spec: &Value) -> Result<Collected, FileError> {
    let mut out = Collected::default();
    match hooks_json::load(&config.path) {
        Ok(set) => out.hooks.extend(set),
        Err(e) if config.strict => return Err(e),
        Err(e) => out.skipped.push(e),
    }
    let loaded = hooks_dir::load(&config.hooks_dirs);
    if let Some(first) = loaded.errors.first() {
        if config.strict {
            return Err(first.clone());
        }
    }
    out.skipped.extend(loaded.errors);
    for file in &loaded.files {
        if file.matches(spec) {
            out.hooks.extend(file.hook_set());
        }
    }
    Ok(out)
}

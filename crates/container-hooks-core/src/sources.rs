//! Gathering the hooks for one container, in application order: hooks.json
//! first, then the hooks.d files that match the container, in file order.
//! Everything is read again for every container create: a changed file
//! takes effect at the next create, with no daemon to restart.

use crate::config::HooksConfig;
use crate::error::FileError;
use crate::hook::HookSet;
use crate::inject::Spec;
use crate::when::Facts;
use crate::{hooks_dir, hooks_json};

/// The hooks for one container, and the sources skipped when not strict.
#[derive(Debug, Default)]
pub struct Collected {
    pub hooks: HookSet,
    pub skipped: Vec<FileError>,
}

/// Reads every hook source and keeps the hooks that apply to `spec`. With
/// `strict`, the first bad source is the error (a refused directory or
/// file, or a regex that does not compile when a container needs it);
/// otherwise bad sources are skipped and listed in [`Collected::skipped`].
pub fn collect(config: &HooksConfig, spec: &Spec) -> Result<Collected, FileError> {
    let mut out = Collected::default();
    match hooks_json::load(&config.path) {
        Ok(set) => out.hooks.extend(set),
        Err(e) if config.strict => return Err(e),
        Err(e) => out.skipped.push(e),
    }
    if config.hooks_dirs.is_empty() {
        return Ok(out);
    }
    let loaded = hooks_dir::load(&config.hooks_dirs);
    if let Some(first) = loaded.errors.first() {
        if config.strict {
            return Err(first.clone());
        }
    }
    out.skipped.extend(loaded.errors);
    if loaded.files.is_empty() {
        return Ok(out);
    }
    // Only the members conditions look at are parsed, and only when a
    // hook file needs them.
    let view = spec.condition_view();
    let facts = Facts::of(&view);
    for file in &loaded.files {
        match file.matches_facts(&facts) {
            Ok(true) => out.hooks.extend(file.hook_set()),
            Ok(false) => {}
            Err(e) if config.strict => return Err(e),
            Err(e) => out.skipped.push(e),
        }
    }
    Ok(out)
}

//! oci-hooks(5) directories: one hook per `*.json` file, with conditions.

use crate::error::FileError;
use crate::hook::HookSet;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One hook file that was read and trusted.
#[derive(Debug, Clone)]
pub struct HookFile {
    pub path: PathBuf,
}

impl HookFile {
    /// Whether the file's `when` conditions hold for this config.json.
    pub fn matches(&self, _spec: &Value) -> bool {
        false
    }

    /// The file's hook at each of its stages.
    pub fn hook_set(&self) -> HookSet {
        HookSet::new()
    }
}

/// The hook files in effect, the masked ones and the refused ones.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<HookFile>,
    pub errors: Vec<FileError>,
}

/// Reads the directories in order; a missing directory is no error.
pub fn load(dirs: &[PathBuf]) -> Loaded {
    let _ = dirs.iter().map(PathBuf::as_path).collect::<Vec<&Path>>();
    Loaded::default()
}

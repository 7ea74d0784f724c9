//! The ConfigMap's files onto the host's `/etc/container-hooks`.
//!
//! Every file is checked with the shim's own readers before anything is
//! written: `config.toml` with [`Config::parse`], `hooks.json` with
//! [`hooks_json::parse`], each hook file with [`HookFile::parse`] and its
//! regexes with [`HookFile::check_patterns`], each within the shim's size
//! limit. A file the shim would refuse is refused here, naming the file
//! (as the operator knows it) and the field, and the files in force on the
//! host stay as they are. A file that is a symlink leading out of the
//! config directory is refused too.

use super::host::{Created, Host};
use crate::cli::InstallerArgs;
use container_hooks_core::config::{Config, DEFAULT_TOML};
use container_hooks_core::error::FileError;
use container_hooks_core::hooks_dir::HookFile;
use container_hooks_core::hooks_json;
use container_hooks_core::trust::{read_limited, MAX_SOURCE_BYTES};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The host directory of the toolkit's own files.
pub const HOST_ETC: &str = "/etc/container-hooks";

/// The config directory as read: (path below `/etc/container-hooks`,
/// bytes), every file checked; `config.toml` first.
type Wanted = Vec<(PathBuf, Vec<u8>)>;

/// Reads and checks the config directory. config.toml (the default one
/// when the directory has none) gets `[container-hooks-ctk] path` = `ctk`.
pub fn read_config_dir(dir: &Path, ctk: &Path, host_root: &Path) -> anyhow::Result<Wanted> {
    let inside = fs::canonicalize(dir).map_err(|e| FileError::io(dir, &e))?;
    // A ConfigMap volume: read one generation (the directory `..data`
    // points at), so that an update swapping `..data` mid-read cannot mix
    // old and new files.
    let base = match fs::canonicalize(dir.join("..data")) {
        Ok(d) if d.is_dir() && d.starts_with(&inside) => d,
        _ => inside.clone(),
    };
    let source = Source { dir, base, inside };
    let mut out = Vec::new();
    let mut config_toml = None;
    for name in source.names(&source.base, dir)? {
        // Errors name the file as the operator knows it (config/NAME).
        let path = dir.join(&name);
        match name.as_str() {
            "hooks.d" if source.base.join(&name).is_dir() => {
                let sub = source.resolve(&source.base.join(&name), &path)?;
                for n in source.names(&sub, &path)? {
                    if n.ends_with(".json") {
                        let bytes = source.read(&sub.join(&n), &path.join(&n))?;
                        check_hook_file(&path.join(&n), &bytes)?;
                        out.push((Path::new("hooks.d").join(n), bytes));
                    }
                }
            }
            "config.toml" => {
                let bytes = source.read(&source.base.join(&name), &path)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| FileError::new(&path, "not valid UTF-8 text"))?;
                config_toml = Some((path, text));
            }
            "hooks.json" => {
                let bytes = source.read(&source.base.join(&name), &path)?;
                hooks_json::parse(&bytes).map_err(|fault| FileError::new(&path, fault))?;
                out.push((PathBuf::from("hooks.json"), bytes));
            }
            n if n.ends_with(".json") => {
                let bytes = source.read(&source.base.join(&name), &path)?;
                check_hook_file(&path, &bytes)?;
                out.push((Path::new("hooks.d").join(n), bytes));
            }
            _ => {}
        }
    }
    let (path, text) =
        config_toml.unwrap_or_else(|| (dir.join("config.toml"), DEFAULT_TOML.into()));
    let config = host_config(&path, &text, ctk, host_root)?;
    out.insert(0, (PathBuf::from("config.toml"), config.into_bytes()));
    Ok(out)
}

/// The config directory being read.
struct Source<'a> {
    /// As the operator named it.
    dir: &'a Path,
    /// The generation read.
    base: PathBuf,
    /// Where every file read must be: the directory, resolved.
    inside: PathBuf,
}

impl Source<'_> {
    /// The names in a directory that count: not the ConfigMap's own
    /// `..data` and dated directories.
    fn names(&self, dir: &Path, shown: &Path) -> Result<Vec<String>, FileError> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .map_err(|e| FileError::io(shown, &e))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The file a path leads to, refused when it is outside the directory.
    fn resolve(&self, src: &Path, shown: &Path) -> Result<PathBuf, FileError> {
        let real = fs::canonicalize(src).map_err(|e| FileError::io(shown, &e))?;
        if !real.starts_with(&self.inside) {
            return Err(FileError::new(
                shown,
                format!(
                    "leads to {}, outside {}: refusing a symlink out of the config directory",
                    real.display(),
                    self.dir.display()
                ),
            ));
        }
        Ok(real)
    }

    /// Reads a regular file of the directory within the shim's size limit.
    fn read(&self, src: &Path, shown: &Path) -> Result<Vec<u8>, FileError> {
        let real = self.resolve(src, shown)?;
        let file = fs::File::open(&real).map_err(|e| FileError::io(shown, &e))?;
        let meta = file.metadata().map_err(|e| FileError::io(shown, &e))?;
        if !meta.is_file() {
            return Err(FileError::new(shown, "not a regular file"));
        }
        read_limited(file, &meta, shown, MAX_SOURCE_BYTES)
    }
}

/// A hook file as the shim reads it: its format, fields and regexes.
fn check_hook_file(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let file = HookFile::parse(path, bytes)?;
    match file.check_patterns().into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// config.toml as the shim on the host reads it, with `[container-hooks-ctk]
/// path` naming the installed CLI. A hook source named by its path in the
/// pod (below the host root) is refused: the shim runs on the host.
fn host_config(path: &Path, text: &str, ctk: &Path, host_root: &Path) -> Result<String, FileError> {
    let config = Config::parse(text).map_err(|f| FileError::new(path, f))?;
    let named = std::iter::once(("container-hooks.path", &config.hooks.path)).chain(
        config
            .hooks
            .hooks_dirs
            .iter()
            .map(|d| ("container-hooks.hooks-dirs", d)),
    );
    for (field, p) in named {
        if host_root != Path::new("/") && p.starts_with(host_root) {
            return Err(FileError::new(
                path,
                format!(
                    "{field} = {:?} names the pod's view of the host ({}); the shim runs on the host: name the host path",
                    p.display(),
                    host_root.display()
                ),
            ));
        }
    }
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| FileError::new(path, e.message().to_string()))?;
    let ctk = ctk.display().to_string();
    let current = doc
        .get("container-hooks-ctk")
        .and_then(|t| t.get("path"))
        .and_then(|v| v.as_str());
    if current != Some(ctk.as_str()) {
        if !doc.contains_key("container-hooks-ctk") {
            doc.insert("container-hooks-ctk", toml_edit::table());
        }
        if let Some(t) = doc
            .get_mut("container-hooks-ctk")
            .and_then(|t| t.as_table_like_mut())
        {
            t.insert("path", toml_edit::value(ctk));
        }
    }
    Ok(doc.to_string())
}

impl Host {
    /// Writes config.toml, hooks.json and hooks.d from the config
    /// directory, deleting hook files it wrote that are gone from there.
    /// Everything is read and checked before anything is written. Returns
    /// a line for each host file written or deleted.
    pub fn sync_config(
        &self,
        a: &InstallerArgs,
        config_dir: &Path,
        created: &mut Created,
    ) -> anyhow::Result<Vec<String>> {
        let ctk = a.toolkit_dir.join(super::host::CTK);
        let wanted = read_config_dir(config_dir, &ctk, &self.root)?;
        let etc = Path::new(HOST_ETC);
        let hooks_d = etc.join("hooks.d");
        let mut changed = Vec::new();
        let mut keep = BTreeSet::new();
        for (rel, bytes) in &wanted {
            let host = etc.join(rel);
            if self.put(&host, bytes, 0o644, created)? {
                changed.push(format!("wrote {}", host.display()));
            }
            keep.insert(host);
        }
        // Files this installer wrote that the config directory no longer
        // holds.
        let ours = |p: &Path| {
            p.parent() == Some(hooks_d.as_path())
                || p == etc.join("hooks.json")
                || p == etc.join("config.toml")
        };
        let stale: Vec<PathBuf> = created
            .files
            .iter()
            .filter(|p| ours(p) && !keep.contains(*p))
            .cloned()
            .collect();
        for p in stale {
            if self.delete(&p)? {
                changed.push(format!("deleted {}", p.display()));
            }
            created.files.remove(&p);
        }
        Ok(changed)
    }
}

//! CRI-O: a drop-in (default `/etc/crio/crio.conf.d/99-container-hooks.conf`)
//! with `[crio.runtime.runtimes.<name>]`: `runtime_path`,
//! `runtime_type = "oci"` and the fields of the current default runtime
//! that an `oci` runtime running the shim keeps (`runtime_root`,
//! `monitor_path`, ...: [`is_copied`]), read from crio.conf and the
//! other files of the drop-in directory in the order CRI-O reads them.
//! crio.conf itself is only read. `--set-as-default` adds
//! `[crio.runtime] default_runtime` to the drop-in.
//!
//! CRI-O decodes its files without complaining about keys it does not
//! know, so a key it does not know would be dropped in silence: every key
//! written is one of CRI-O 1.37's runtime handler ([`HANDLER_KEYS`]).

use super::flow::{Edit, Editor};
use super::is_shim_path;
use super::status::Wiring;
use super::toml_runtimes::{remove_from_file, Layout, Shape, TomlRuntimes, Want};
use super::toml_util::{self as tu, dotted};
use super::{read_optional, EngineError, EngineFiles};
use container_hooks_core::error::FileError;
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, Item, Table, Value};

/// The drop-in configure writes by default.
pub const DEFAULT_DROP_IN: &str = "/etc/crio/crio.conf.d/99-container-hooks.conf";
/// CRI-O's built-in default runtime when no file names one.
pub const CRIO_DEFAULT_RUNTIME: &str = "runc";
/// The first lines of a drop-in configure creates.
pub const HEADER: &str = "# The container-hooks runtime for CRI-O, written by container-hooks-ctk.\n# `container-hooks-ctk runtime remove --runtime crio` takes it out again.\n";

const RUNTIME: [&str; 2] = ["crio", "runtime"];
const RUNTIMES: [&str; 3] = ["crio", "runtime", "runtimes"];

/// The keys of a runtime handler table (`[crio.runtime.runtimes.NAME]`)
/// that CRI-O 1.37 reads: the `toml` tags of `RuntimeHandler` in its
/// `pkg/config/config.go`.
pub const HANDLER_KEYS: &[&str] = &[
    "runtime_config_path",
    "runtime_path",
    "runtime_type",
    "runtime_root",
    "privileged_without_host_devices",
    "allowed_annotations",
    "monitor_path",
    "monitor_cgroup",
    "monitor_env",
    "monitor_exec_cgroup",
    "platform_runtime_paths",
    "runtime_pull_image",
    "container_min_memory",
    "no_sync_log",
    "inherit_default_runtime",
    "default_annotations",
    "stream_websockets",
    "exec_cpu_affinity",
    "seccomp_profile",
    "container_create_timeout",
];

/// The keys of the default runtime that the shim's entry does not copy:
/// `runtime_path` and `runtime_type` (set to the shim and `oci`),
/// `inherit_default_runtime` and `platform_runtime_paths` (CRI-O would run
/// the default's program, or another per platform, instead of the shim),
/// `runtime_config_path`, `runtime_pull_image` and `stream_websockets`
/// (for `vm` and `pod` runtimes only; CRI-O refuses the first and the last
/// on an `oci` one).
pub const NOT_COPIED: &[&str] = &[
    "runtime_path",
    "runtime_type",
    "inherit_default_runtime",
    "platform_runtime_paths",
    "runtime_config_path",
    "runtime_pull_image",
    "stream_websockets",
];

/// Whether the shim's entry copies the default runtime's `key`: a key of
/// the runtime handler that does not change which program runs (every one
/// of [`HANDLER_KEYS`] but [`NOT_COPIED`]).
fn is_copied(key: &str) -> bool {
    HANDLER_KEYS.contains(&key) && !NOT_COPIED.contains(&key)
}

/// Whether a runtime handler runs an OCI runtime through conmon
/// (`runtime_type` "oci", or none), as the shim's entry does.
fn is_oci(t: &Table) -> bool {
    matches!(
        t.get("runtime_type").and_then(Item::as_str),
        None | Some("") | Some("oci")
    )
}

fn layout() -> Layout {
    Layout {
        runtimes: RUNTIMES.to_vec(),
        default_table: RUNTIME.to_vec(),
        default_key: "default_runtime",
    }
}

/// What CRI-O would see without the drop-in: the default runtime's name
/// and the runtimes defined, each with its fields merged over every file.
#[derive(Default)]
struct Merged {
    default_runtime: Option<String>,
    runtimes: Vec<(String, Table)>,
    /// `[crio] runroot`.
    run_root: Option<String>,
}

impl Merged {
    /// Merges one file over what is there.
    fn add(&mut self, file: &Path, doc: &DocumentMut, overlay: bool) -> Result<(), FileError> {
        if let Some(crio) = tu::table(doc.as_table(), &RUNTIME[..1], file)? {
            if let Some(r) = tu::string(crio, "runroot", &RUNTIME[..1], file)? {
                self.run_root = Some(r.to_string());
            }
        }
        if let Some(rt) = tu::table(doc.as_table(), &RUNTIME, file)? {
            if let Some(d) = tu::string(rt, "default_runtime", &RUNTIME, file)? {
                self.default_runtime = Some(d.to_string());
            }
        }
        let Some(rts) = tu::table(doc.as_table(), &RUNTIMES, file)? else {
            return Ok(());
        };
        for (name, item) in rts.iter() {
            let Item::Table(t) = item else { continue };
            if overlay {
                self.runtimes.retain(|(n, _)| n != name);
                self.runtimes.push((name.to_string(), t.clone()));
                continue;
            }
            let slot = match self.runtimes.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    self.runtimes.push((name.to_string(), Table::new()));
                    self.runtimes.len() - 1
                }
            };
            if let Some((_, merged)) = self.runtimes.get_mut(slot) {
                for (k, v) in t.iter() {
                    if let Item::Value(v) = v {
                        let mut v = v.clone();
                        v.decor_mut().set_prefix(" ");
                        v.decor_mut().set_suffix("");
                        merged.insert(k, Item::Value(v));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The files CRI-O reads, in order: crio.conf, then the drop-in
/// directory's files by name, leaving out `skip`.
fn sources(config: &Path, drop_dir: &Path, skip: &Path) -> Result<Vec<PathBuf>, FileError> {
    let mut files = vec![config.to_path_buf()];
    let mut extra = Vec::new();
    match std::fs::read_dir(drop_dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                let p = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                if p.is_file() && name.ends_with(".conf") && !name.starts_with('.') && p != skip {
                    extra.push(p);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(FileError::io(drop_dir, &e)),
    }
    extra.sort();
    files.extend(extra);
    Ok(files)
}

/// Every file but the drop-in, merged (paths where this process reads
/// them).
fn merged(config: &Path, drop_in: &Path) -> Result<Merged, FileError> {
    let drop_dir = drop_in.parent().unwrap_or(Path::new("."));
    let mut m = Merged::default();
    for f in sources(config, drop_dir, drop_in)? {
        if let Some(text) = read_optional(&f)? {
            m.add(&f, &tu::parse(&f, &text)?, false)?;
        }
    }
    Ok(m)
}

/// containers-storage's config, whose `runroot` CRI-O uses unless its own
/// config sets one.
pub const STORAGE_CONF: &str = "/etc/containers/storage.conf";
/// containers-storage's run root when no file sets one.
pub const DEFAULT_RUN_ROOT: &str = "/run/containers/storage";

/// CRI-O's run root (host path): `[crio] runroot` of its files, else
/// `[storage] runroot` of [`STORAGE_CONF`], else [`DEFAULT_RUN_ROOT`].
/// CRI-O keeps each container's config.json, with the runtime handler it
/// was created through, in `<run root>/<driver>-containers/<id>/userdata/`.
/// `config` and `drop_in` are host paths, read below `root`.
pub fn run_root(root: Option<&Path>, config: &Path, drop_in: &Path) -> Result<PathBuf, FileError> {
    let on = |p: &Path| super::on_root(root, p);
    if let Some(r) = merged(&on(config), &on(drop_in))?.run_root {
        return Ok(PathBuf::from(r));
    }
    let storage = on(Path::new(STORAGE_CONF));
    if let Some(text) = read_optional(&storage)? {
        let doc = tu::parse(&storage, &text)?;
        if let Some(t) = tu::table(doc.as_table(), &["storage"], &storage)? {
            if let Some(r) = tu::string(t, "runroot", &["storage"], &storage)? {
                return Ok(PathBuf::from(r));
            }
        }
    }
    Ok(PathBuf::from(DEFAULT_RUN_ROOT))
}

fn runtime_path(t: &Table) -> Option<&str> {
    t.get("runtime_path").and_then(Item::as_str)
}

/// An entry is a table with `runtime_path`, `runtime_type = "oci"` and
/// the fields of the default runtime.
struct Entry {
    template: Option<Table>,
}

impl Shape for Entry {
    fn program_of<'t>(&self, entry: &'t Table) -> Option<&'t str> {
        runtime_path(entry)
    }

    fn insert(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError> {
        let mut e = Table::new();
        point_at(&mut e, want.shim);
        for (k, v) in self.template.iter().flat_map(Table::iter) {
            if is_copied(k) {
                e.insert(k, v.clone());
            }
        }
        runtimes.insert(want.name, Item::Table(e));
        Ok(())
    }

    fn refresh(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError> {
        if let Some(Item::Table(e)) = runtimes.get_mut(want.name) {
            point_at(e, want.shim);
        }
        Ok(())
    }
}

/// `runtime_path = shim` and `runtime_type = "oci"` in an entry.
fn point_at(e: &mut Table, shim: &str) {
    tu::set_value(e, "runtime_path", Value::from(shim));
    tu::set_value(e, "runtime_type", Value::from("oci"));
}

/// CRI-O's editor.
pub(crate) struct Crio;

fn drop_in_of<'a>(edit: &'a Edit<'_>) -> Result<&'a Path, EngineError> {
    let t = edit.t;
    match t.files.drop_in.as_deref() {
        None => Err(EngineError::Usage("CRI-O needs a drop-in file".into())),
        Some(d) if d == t.files.config => Err(EngineError::Usage(format!(
            "--drop-in {}: CRI-O's main file is only read; choose a file in its crio.conf.d directory",
            d.display()
        ))),
        Some(d) => Ok(d),
    }
}

impl Editor for Crio {
    fn configure(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let t = edit.t;
        let drop_in = drop_in_of(edit)?.to_path_buf();
        let m = merged(&t.on_disk(&t.files.config), &t.on_disk(&drop_in))?;
        let (before, mut doc) = edit.open_toml(&drop_in)?;
        // A runtime of that name in another file that is not the shim.
        if let Some((_, other)) = m.runtimes.iter().find(|(n, _)| *n == t.name) {
            if !runtime_path(other).is_some_and(|p| is_shim_path(p, &t.req.path)) && !t.req.force {
                let mut field = RUNTIMES.to_vec();
                field.push(&t.name);
                return Err(EngineError::Clash {
                    file: t.files.config.clone(),
                    field: dotted(&field),
                    shim: t.req.path.display().to_string(),
                });
            }
        }
        let default_name = m
            .default_runtime
            .clone()
            .unwrap_or_else(|| CRIO_DEFAULT_RUNTIME.to_string());
        // The default runtime when it is an `oci` one (a `vm` or `pod`
        // runtime's root and monitor are not conmon's), else crun or runc.
        let template = [default_name.as_str(), "crun", CRIO_DEFAULT_RUNTIME]
            .into_iter()
            .filter(|n| *n != t.name)
            .find_map(|n| {
                m.runtimes
                    .iter()
                    .find(|(name, rt)| name == n && is_oci(rt))
                    .map(|(_, rt)| rt.clone())
            });
        let found_template = template.is_some();
        let layout = layout();
        let mut rt = TomlRuntimes::new(&mut doc, &drop_in, &layout, Entry { template });
        edit.put_runtime(&drop_in, &mut rt)?;
        edit.put_default(&mut rt)?;
        let mut after = tu::render(&doc);
        if before.is_none() {
            after = format!("{HEADER}{after}");
        }
        if !found_template {
            edit.notes.push(format!(
                "{}: no oci runtime to copy fields from (the default {default_name:?}, crun or runc); wrote runtime_path and runtime_type only",
                drop_in.display()
            ));
        }
        edit.write(&drop_in, before, Some(after));
        Ok(())
    }

    fn remove(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let drop_in = drop_in_of(edit)?.to_path_buf();
        // The drop-in is the toolkit's own: empty, it goes.
        remove_from_file(edit, &drop_in, &layout(), Entry { template: None }, true)
    }

    fn wiring(&self, files: &EngineFiles, shim: &Path) -> Result<Wiring, EngineError> {
        let drop_in = files
            .drop_in
            .as_deref()
            .unwrap_or(Path::new(DEFAULT_DROP_IN));
        let mut m = merged(&files.config, drop_in)?;
        if let Some(text) = read_optional(drop_in)? {
            m.add(drop_in, &tu::parse(drop_in, &text)?, true)?;
        }
        let entries = m
            .runtimes
            .iter()
            .map(|(name, t)| (name.clone(), runtime_path(t).map(str::to_string)));
        let default = m.default_runtime.clone();
        Ok(Wiring::of(
            entries,
            default.or_else(|| Some(CRIO_DEFAULT_RUNTIME.to_string())),
            shim,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{plan_configure, Engine, Request};

    /// Configures CRI-O over the fixture `crio_conf` (with
    /// --set-as-default) and returns the drop-in, parsed.
    fn drop_in_of(crio_conf: &str) -> toml::Value {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("crio.conf");
        std::fs::copy(
            test_support::fixture(&format!("engines/crio/{crio_conf}")),
            &config,
        )
        .unwrap();
        let mut req = Request::new(Engine::Crio, tmp.path().join("state"));
        req.config = Some(config);
        req.drop_in = Some(tmp.path().join("crio.conf.d/99-container-hooks.conf"));
        req.set_as_default = true;
        plan_configure(&req).unwrap().apply_under_lock();
        let text = std::fs::read_to_string(req.drop_in.unwrap()).unwrap();
        toml::from_str(&text).unwrap()
    }

    /// Every key the drop-in holds is one CRI-O 1.37 reads, whatever the
    /// default runtime holds (here every key CRI-O knows and one it does
    /// not); the keys that would run another program than the shim, or
    /// that CRI-O refuses on an `oci` runtime, are not copied.
    #[test]
    fn every_key_written_is_one_crio_1_37_reads() {
        let v = drop_in_of("runc-every-handler-key.conf");
        let crio = v.as_table().unwrap();
        assert_eq!(crio.keys().collect::<Vec<_>>(), ["crio"]);
        let runtime = v["crio"]["runtime"].as_table().unwrap();
        let mut keys: Vec<&String> = runtime.keys().collect();
        keys.sort();
        assert_eq!(keys, ["default_runtime", "runtimes"]);
        let entry = v["crio"]["runtime"]["runtimes"]["container-hooks"]
            .as_table()
            .unwrap();
        for k in entry.keys() {
            assert!(
                HANDLER_KEYS.contains(&k.as_str()),
                "CRI-O 1.37 does not read {k}"
            );
        }
        let mut written: Vec<&str> = entry.keys().map(String::as_str).collect();
        written.sort_unstable();
        let mut expected: Vec<&str> = HANDLER_KEYS
            .iter()
            .copied()
            .filter(|k| !NOT_COPIED.contains(k))
            .collect();
        expected.extend(["runtime_path", "runtime_type"]);
        expected.sort_unstable();
        assert_eq!(written, expected);
        assert_eq!(entry["runtime_type"].as_str(), Some("oci"));
        assert_eq!(
            entry["runtime_path"].as_str(),
            Some(crate::engines::DEFAULT_SHIM_PATH)
        );
        // Every key left out is one CRI-O reads (a misspelt one would let
        // the right one be copied).
        for k in NOT_COPIED {
            assert!(HANDLER_KEYS.contains(k), "{k}");
        }
    }

    /// A default runtime that is not an `oci` one (a VM runtime) lends
    /// its root and monitor to nothing: the fields come from crun or runc.
    #[test]
    fn fields_come_from_an_oci_runtime() {
        let v = drop_in_of("kata-default.conf");
        let entry = &v["crio"]["runtime"]["runtimes"]["container-hooks"];
        assert_eq!(entry["runtime_root"].as_str(), Some("/run/runc"));
        assert_eq!(
            entry["monitor_path"].as_str(),
            Some("/usr/libexec/crio/conmon")
        );
        assert!(entry.get("runtime_config_path").is_none(), "{entry:?}");
    }

    /// The run root: CRI-O's own files, else containers' storage.conf, else
    /// the default.
    #[test]
    fn run_root_is_read_from_crio_then_storage_conf() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let config = Path::new("/etc/crio/crio.conf");
        let drop_in = Path::new(DEFAULT_DROP_IN);
        let run_root = || run_root(Some(root), config, drop_in).unwrap();
        assert_eq!(run_root(), Path::new(DEFAULT_RUN_ROOT));
        std::fs::create_dir_all(root.join("etc/containers")).unwrap();
        std::fs::write(
            root.join("etc/containers/storage.conf"),
            "[storage]\ndriver = \"overlay\"\nrunroot = \"/run/storage\"\n",
        )
        .unwrap();
        assert_eq!(run_root(), Path::new("/run/storage"));
        std::fs::create_dir_all(root.join("etc/crio/crio.conf.d")).unwrap();
        std::fs::write(
            root.join("etc/crio/crio.conf"),
            "[crio]\nrunroot = \"/run/a\"\n",
        )
        .unwrap();
        std::fs::write(
            root.join("etc/crio/crio.conf.d/10-b.conf"),
            "[crio]\nrunroot = \"/run/b\"\n",
        )
        .unwrap();
        assert_eq!(run_root(), Path::new("/run/b"));
    }
}

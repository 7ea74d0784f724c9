//! CRI-O: a drop-in (default `/etc/crio/crio.conf.d/99-container-hooks.conf`)
//! with `[crio.runtime.runtimes.<name>]`: `runtime_path`,
//! `runtime_type = "oci"` and the other fields of the current default
//! runtime (`runtime_root`, `monitor_path`, ...), read from crio.conf and
//! the other files of the drop-in directory in the order CRI-O reads them.
//! crio.conf itself is only read. `--set-as-default` adds
//! `[crio.runtime] default_runtime` to the drop-in.

use super::flow::{Edit, Editor};
use super::is_shim_path;
use super::status::Wiring;
use super::toml_runtimes::{remove_from_file, Layout, Shape, TomlRuntimes, Want};
use super::toml_util::{self as tu, dotted};
use super::{read_optional, EngineError};
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
}

impl Merged {
    /// Merges one file over what is there.
    fn add(&mut self, file: &Path, doc: &DocumentMut, overlay: bool) -> Result<(), FileError> {
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
            if k != "runtime_path" && k != "runtime_type" {
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
    match t.drop_in.as_deref() {
        None => Err(EngineError::Usage("CRI-O needs a drop-in file".into())),
        Some(d) if d == t.config => Err(EngineError::Usage(format!(
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
        let m = merged(&t.on_disk(&t.config), &t.on_disk(&drop_in))?;
        let (before, mut doc) = edit.open_toml(&drop_in)?;
        // A runtime of that name in another file that is not the shim.
        if let Some((_, other)) = m.runtimes.iter().find(|(n, _)| *n == t.name) {
            if !runtime_path(other).is_some_and(|p| is_shim_path(p, &t.path)) && !t.force {
                let mut field = RUNTIMES.to_vec();
                field.push(&t.name);
                return Err(EngineError::Clash {
                    file: t.config.clone(),
                    field: dotted(&field),
                    shim: t.path.display().to_string(),
                });
            }
        }
        let default_name = m
            .default_runtime
            .clone()
            .unwrap_or_else(|| CRIO_DEFAULT_RUNTIME.to_string());
        let template = m
            .runtimes
            .into_iter()
            .find(|(n, _)| *n == default_name && *n != t.name)
            .map(|(_, t)| t);
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
                "{}: no runtime {default_name:?} found to copy fields from; wrote runtime_path and runtime_type only",
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

    fn wiring(&self, config: &Path, drop_in: Option<&Path>) -> Result<Wiring, EngineError> {
        let drop_in = drop_in.unwrap_or(Path::new(DEFAULT_DROP_IN));
        let mut m = merged(config, drop_in)?;
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
        ))
    }
}

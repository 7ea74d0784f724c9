//! CRI-O: a drop-in (default `/etc/crio/crio.conf.d/99-container-hooks.conf`)
//! with `[crio.runtime.runtimes.<name>]`: `runtime_path`,
//! `runtime_type = "oci"` and the other fields of the current default
//! runtime (`runtime_root`, `monitor_path`, ...), read from crio.conf and
//! the other files of the drop-in directory in the order CRI-O reads them.
//! crio.conf itself is only read. `--set-as-default` adds
//! `[crio.runtime] default_runtime` to the drop-in.

use super::state::Record;
use super::toml_util::{self as tu, dotted};
use super::{is_shim_path, read_optional, Edit, Engine, EngineError, FileChange, Target, Wiring};
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

/// What CRI-O would see without the drop-in: the default runtime's name
/// and its fields merged over every file, and the runtimes defined.
struct Merged {
    default_runtime: Option<String>,
    runtimes: Vec<(String, Table)>,
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

fn merged(config: &Path, drop_in: &Path) -> Result<Merged, FileError> {
    let drop_dir = drop_in.parent().unwrap_or(Path::new("."));
    let mut m = Merged {
        default_runtime: None,
        runtimes: Vec::new(),
    };
    for f in sources(config, drop_dir, drop_in)? {
        let Some(text) = read_optional(&f)? else {
            continue;
        };
        let doc = tu::parse(&f, &text)?;
        if let Some(rt) = tu::table(doc.as_table(), &RUNTIME, &f)? {
            if let Some(d) = tu::string(rt, "default_runtime", &RUNTIME, &f)? {
                m.default_runtime = Some(d.to_string());
            }
        }
        if let Some(rts) = tu::table(doc.as_table(), &RUNTIMES, &f)? {
            for (name, item) in rts.iter() {
                let Item::Table(t) = item else { continue };
                let slot = match m.runtimes.iter().position(|(n, _)| n == name) {
                    Some(i) => i,
                    None => {
                        m.runtimes.push((name.to_string(), Table::new()));
                        m.runtimes.len() - 1
                    }
                };
                if let Some((_, merged)) = m.runtimes.get_mut(slot) {
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
        }
    }
    Ok(m)
}

fn runtime_path(t: &Table) -> Option<&str> {
    t.get("runtime_path").and_then(Item::as_str)
}

pub(crate) fn configure(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let Some(drop_in) = &t.drop_in else {
        return Err(EngineError::Usage("CRI-O needs a drop-in file".into()));
    };
    if drop_in == &t.config {
        return Err(EngineError::Usage(format!(
            "--drop-in {}: CRI-O's main file is only read; choose a file in its crio.conf.d directory",
            drop_in.display()
        )));
    }
    let shim = t.path.display().to_string();
    let m = merged(&t.on_disk(&t.config), &t.on_disk(drop_in))?;
    let before = read_optional(&t.on_disk(drop_in))?;
    let mut doc = match &before {
        Some(text) => tu::parse(drop_in, text)?,
        None => DocumentMut::new(),
    };
    let mut notes = Vec::new();
    let mut record = Record::new(Engine::Crio, &t.config, &t.name, &t.path);
    record.drop_in = Some(drop_in.clone());
    if let Some(r) = recorded {
        record.created_files = r.created_files.clone();
        record.added = r.added.clone();
        record.replaced = r.replaced.clone();
    }
    if before.is_none() && !record.created(drop_in) {
        record.created_files.push(drop_in.clone());
    }
    let mut entry_path: Vec<&str> = RUNTIMES.to_vec();
    entry_path.push(&t.name);
    // A runtime of that name elsewhere that is not the shim.
    if let Some((_, other)) = m.runtimes.iter().find(|(n, _)| *n == t.name) {
        if !runtime_path(other).is_some_and(|p| is_shim_path(p, &t.path)) && !t.force {
            return Err(EngineError::Clash {
                file: t.config.clone(),
                field: dotted(&entry_path),
                shim,
            });
        }
    }
    let default_name = m
        .default_runtime
        .clone()
        .unwrap_or_else(|| CRIO_DEFAULT_RUNTIME.to_string());
    let template = m
        .runtimes
        .iter()
        .find(|(n, _)| *n == default_name && *n != t.name)
        .map(|(_, t)| t.clone());
    let mut created = Vec::new();
    let runtimes = tu::table_mut(doc.as_table_mut(), &RUNTIMES, drop_in, &mut created)?;
    let ours = match runtimes.get(&t.name) {
        None => None,
        Some(Item::Table(e)) => {
            Some(recorded.is_some() || runtime_path(e).is_some_and(|p| is_shim_path(p, &t.path)))
        }
        Some(_) => Some(false),
    };
    match ours {
        Some(true) => {
            if let Some(Item::Table(e)) = runtimes.get_mut(&t.name) {
                tu::set_value(e, "runtime_path", Value::from(shim.as_str()));
                tu::set_value(e, "runtime_type", Value::from("oci"));
            }
        }
        Some(false) if !t.force => {
            return Err(EngineError::Clash {
                file: drop_in.clone(),
                field: dotted(&entry_path),
                shim,
            });
        }
        other => {
            if other == Some(false) {
                if let Some(Item::Table(old)) = runtimes.get(&t.name) {
                    record.replaced = Some(tu::table_to_record(old));
                }
            }
            let mut e = Table::new();
            tu::set_value(&mut e, "runtime_path", Value::from(shim.as_str()));
            tu::set_value(&mut e, "runtime_type", Value::from("oci"));
            if let Some(tpl) = &template {
                for (k, v) in tpl.iter() {
                    if k != "runtime_path" && k != "runtime_type" {
                        e.insert(k, v.clone());
                    }
                }
            }
            runtimes.insert(&t.name, Item::Table(e));
        }
    }
    record.note_created_tables(created);
    tu::configure_default(
        doc.as_table_mut(),
        &RUNTIME,
        "default_runtime",
        drop_in,
        t,
        recorded,
        &mut record,
    )?;
    let mut after = tu::render(&doc);
    if before.is_none() {
        after = format!("{HEADER}{after}");
    }
    if template.is_none() {
        notes.push(format!(
            "{}: no runtime {default_name:?} found to copy fields from; wrote runtime_path and runtime_type only",
            drop_in.display()
        ));
    }
    Ok(Edit {
        files: vec![FileChange::rewritten(drop_in, before, after)],
        notes,
        record: Some(record),
    })
}

pub(crate) fn remove(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let Some(drop_in) = &t.drop_in else {
        return Err(EngineError::Usage("CRI-O needs a drop-in file".into()));
    };
    let mut notes = Vec::new();
    let before = read_optional(&t.on_disk(drop_in))?;
    let Some(text) = &before else {
        return Ok(Edit {
            files: vec![FileChange {
                path: drop_in.clone(),
                before: None,
                after: None,
            }],
            notes,
            record: None,
        });
    };
    let mut doc = tu::parse(drop_in, text)?;
    let mut changed = false;
    if let Some(rts) = tu::table(doc.as_table(), &RUNTIMES, drop_in)? {
        match rts.get(&t.name) {
            Some(Item::Table(e))
                if recorded.is_some()
                    || runtime_path(e).is_some_and(|p| is_shim_path(p, &t.path)) =>
            {
                let rts = tu::table_mut(doc.as_table_mut(), &RUNTIMES, drop_in, &mut Vec::new())?;
                tu::restore_replaced(rts, &t.name, recorded);
                changed = true;
            }
            Some(_) => notes.push(format!(
                "{}: {}.{} does not run the shim; left in place",
                drop_in.display(),
                dotted(&RUNTIMES),
                t.name
            )),
            None => {}
        }
    }
    changed |= tu::restore_default(
        doc.as_table_mut(),
        &RUNTIME,
        "default_runtime",
        drop_in,
        &t.name,
        recorded,
    )?;
    if !changed {
        return Ok(Edit::unchanged(drop_in, before, notes));
    }
    let created = |p: &[&str]| recorded.is_some_and(|r| r.added(&format!("table {}", dotted(p))));
    tu::prune(doc.as_table_mut(), &RUNTIMES, &created);
    let after = if tu::doc_is_empty(&doc) {
        None
    } else {
        Some(tu::render(&doc))
    };
    Ok(Edit {
        files: vec![FileChange {
            path: drop_in.clone(),
            before,
            after,
        }],
        notes,
        record: None,
    })
}

pub(crate) fn wiring(config: &Path, drop_in: &Path) -> Result<Wiring, EngineError> {
    let mut m = merged(config, drop_in)?;
    if let Some(text) = read_optional(drop_in)? {
        let doc = tu::parse(drop_in, &text)?;
        if let Some(rt) = tu::table(doc.as_table(), &RUNTIME, drop_in)? {
            if let Some(d) = tu::string(rt, "default_runtime", &RUNTIME, drop_in)? {
                m.default_runtime = Some(d.to_string());
            }
        }
        if let Some(rts) = tu::table(doc.as_table(), &RUNTIMES, drop_in)? {
            for (name, item) in rts.iter() {
                if let Item::Table(t) = item {
                    m.runtimes.retain(|(n, _)| n != name);
                    m.runtimes.push((name.to_string(), t.clone()));
                }
            }
        }
    }
    let mut w = Wiring {
        default_runtime: m
            .default_runtime
            .or_else(|| Some(CRIO_DEFAULT_RUNTIME.to_string())),
        ..Wiring::default()
    };
    for (name, t) in &m.runtimes {
        if let Some(p) = runtime_path(t) {
            if is_shim_path(p, Path::new(super::DEFAULT_SHIM_PATH)) {
                w.shim_runtimes.push((name.clone(), p.to_string()));
            }
        }
    }
    Ok(w)
}

//! Podman's containers.conf: `[engine.runtimes] <name> = [path]`, and
//! `[engine] runtime` with `--set-as-default`. Podman reads the file on
//! every command: nothing to reload.

use super::state::Record;
use super::toml_util::{self as tu, dotted};
use super::{is_shim_path, read_optional, Edit, Engine, EngineError, FileChange, Target, Wiring};
use std::path::Path;
use toml_edit::{Array, DocumentMut, Item, Value};

const ENGINE: [&str; 1] = ["engine"];
const RUNTIMES: [&str; 2] = ["engine", "runtimes"];

fn first_path(item: &Item) -> Option<&str> {
    item.as_array()
        .and_then(|a| a.get(0))
        .and_then(Value::as_str)
}

pub(crate) fn configure(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let file = &t.config;
    let shim = t.path.display().to_string();
    let before = read_optional(&t.on_disk(file))?;
    let mut doc = match &before {
        Some(text) => tu::parse(file, text)?,
        None => DocumentMut::new(),
    };
    let notes = Vec::new();
    let mut record = Record::new(Engine::Podman, file, &t.name, &t.path);
    if let Some(r) = recorded {
        record.created_files = r.created_files.clone();
        record.added = r.added.clone();
        record.replaced = r.replaced.clone();
    }
    if before.is_none() && !record.created(file) {
        record.created_files.push(file.clone());
    }
    let mut created = Vec::new();
    let runtimes = tu::table_mut(doc.as_table_mut(), &RUNTIMES, file, &mut created)?;
    runtimes.set_implicit(false);
    let mut value = Array::new();
    value.push(shim.as_str());
    match runtimes.get(&t.name) {
        None => tu::set_value(runtimes, &t.name, Value::Array(value)),
        Some(item) => {
            let ours =
                recorded.is_some() || first_path(item).is_some_and(|p| is_shim_path(p, &t.path));
            if !ours && !t.force {
                let mut p = RUNTIMES.to_vec();
                p.push(&t.name);
                return Err(EngineError::Clash {
                    file: file.clone(),
                    field: dotted(&p),
                    shim,
                });
            }
            if !ours {
                record.replaced = Some(item.to_string().trim().to_string());
            }
            if first_path(item) != Some(shim.as_str()) || item.as_array().map_or(0, Array::len) != 1
            {
                tu::set_value(runtimes, &t.name, Value::Array(value));
            }
        }
    }
    record.note_created_tables(created);
    tu::configure_default(
        doc.as_table_mut(),
        &ENGINE,
        "runtime",
        file,
        t,
        recorded,
        &mut record,
    )?;
    let after = tu::render(&doc);
    Ok(Edit {
        files: vec![FileChange::rewritten(file, before, after)],
        notes,
        record: Some(record),
    })
}

pub(crate) fn remove(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let file = &t.config;
    let mut notes = Vec::new();
    let before = read_optional(&t.on_disk(file))?;
    let Some(text) = &before else {
        return Ok(Edit {
            files: vec![FileChange {
                path: file.clone(),
                before: None,
                after: None,
            }],
            notes,
            record: None,
        });
    };
    let mut doc = tu::parse(file, text)?;
    let mut changed = false;
    if let Some(rts) = tu::table(doc.as_table(), &RUNTIMES, file)? {
        if let Some(item) = rts.get(&t.name) {
            if recorded.is_some() || first_path(item).is_some_and(|p| is_shim_path(p, &t.path)) {
                let rts = tu::table_mut(doc.as_table_mut(), &RUNTIMES, file, &mut Vec::new())?;
                let old = recorded
                    .and_then(|r| r.replaced.as_deref())
                    .and_then(|s| s.parse::<Value>().ok());
                match old {
                    Some(v) => tu::set_value(rts, &t.name, v),
                    None => {
                        rts.remove(&t.name);
                    }
                }
                changed = true;
            } else {
                notes.push(format!(
                    "{}: {}.{} does not run the shim; left in place",
                    file.display(),
                    dotted(&RUNTIMES),
                    t.name
                ));
            }
        }
    }
    changed |= tu::restore_default(
        doc.as_table_mut(),
        &ENGINE,
        "runtime",
        file,
        &t.name,
        recorded,
    )?;
    if !changed {
        return Ok(Edit::unchanged(file, before, notes));
    }
    let created = |p: &[&str]| recorded.is_some_and(|r| r.added(&format!("table {}", dotted(p))));
    tu::prune(doc.as_table_mut(), &RUNTIMES, &created);
    let after = if recorded.is_some_and(|r| r.created(file)) && tu::doc_is_empty(&doc) {
        None
    } else {
        Some(tu::render(&doc))
    };
    Ok(Edit {
        files: vec![FileChange {
            path: file.clone(),
            before,
            after,
        }],
        notes,
        record: None,
    })
}

pub(crate) fn wiring(file: &Path) -> Result<Wiring, EngineError> {
    let mut w = Wiring::default();
    let Some(text) = read_optional(file)? else {
        return Ok(w);
    };
    let doc = tu::parse(file, &text)?;
    if let Some(rts) = tu::table(doc.as_table(), &RUNTIMES, file)? {
        for (name, item) in rts.iter() {
            if let Some(p) = first_path(item) {
                if is_shim_path(p, Path::new(super::DEFAULT_SHIM_PATH)) {
                    w.shim_runtimes.push((name.to_string(), p.to_string()));
                }
            }
        }
    }
    if let Some(e) = tu::table(doc.as_table(), &ENGINE, file)? {
        w.default_runtime = tu::string(e, "runtime", &ENGINE, file)?.map(str::to_string);
    }
    Ok(w)
}

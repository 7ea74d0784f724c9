//! Podman's containers.conf: `[engine.runtimes] <name> = [path]`, and
//! `[engine] runtime` with `--set-as-default`. Podman reads the file on
//! every command: nothing to reload.

use super::flow::{self, Edit, Editor};
use super::status::Wiring;
use super::toml_runtimes::{remove_from_file, Layout, Shape, TomlRuntimes, Want};
use super::toml_util as tu;
use super::{EngineError, EngineFiles};
use container_hooks_core::error::FileError;
use std::path::Path;
use toml_edit::{Array, Item, Table, Value};

fn layout() -> Layout {
    Layout {
        runtimes: vec!["engine", "runtimes"],
        default_table: vec!["engine"],
        default_key: "runtime",
    }
}

/// An entry is an array of paths; the first one is the program.
struct Entry;

impl Shape for Entry {
    fn is_entry(&self, _item: &Item) -> bool {
        true
    }

    fn program<'i>(&self, entry: &'i Item) -> Option<&'i str> {
        entry
            .as_array()
            .and_then(|a| a.get(0))
            .and_then(Value::as_str)
    }

    fn insert(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError> {
        // The table is given a header of its own, even when empty.
        runtimes.set_implicit(false);
        let mut value = Array::new();
        value.push(want.shim);
        tu::set_value(runtimes, want.name, Value::Array(value));
        Ok(())
    }

    fn refresh(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError> {
        let current = runtimes.get(want.name);
        let one = current.and_then(Item::as_array).map_or(0, Array::len) == 1;
        if !one || current.and_then(|i| self.program(i)) != Some(want.shim) {
            self.insert(runtimes, want)?;
        }
        runtimes.set_implicit(false);
        Ok(())
    }
}

/// Podman's editor.
pub(crate) struct Podman;

impl Editor for Podman {
    fn configure(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let file = edit.t.files.config.clone();
        let (before, mut doc) = edit.open_toml(&file)?;
        let layout = layout();
        let mut rt = TomlRuntimes::new(&mut doc, &file, &layout, Entry);
        edit.put_runtime(&file, &mut rt)?;
        edit.put_default(&mut rt)?;
        edit.write(&file, before, Some(tu::render(&doc)));
        Ok(())
    }

    fn remove(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let file = edit.t.files.config.clone();
        remove_from_file(edit, &file, &layout(), Entry, false)
    }

    fn wiring(&self, files: &EngineFiles, shim: &Path) -> Result<Wiring, EngineError> {
        let config = &files.config;
        let text = super::read_optional(config)?;
        let mut doc = tu::parse_or_new(config, text.as_deref())?;
        let layout = layout();
        Ok(flow::wiring(
            &TomlRuntimes::new(&mut doc, config, &layout, Entry),
            shim,
        )?)
    }
}

//! The runtime table of a TOML engine file (containerd, CRI-O, Podman):
//! where the entries and the default runtime live is data ([`Layout`]);
//! what an entry looks like is the engine's [`Shape`].

use super::flow::{Edit, Found, Runtimes};
use super::state::Added;
use super::toml_util::{self as tu, dotted};
use super::EngineError;
use container_hooks_core::error::FileError;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table, Value};

/// Where a TOML engine keeps its runtimes and its default runtime.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The table of runtime entries.
    pub runtimes: Vec<&'static str>,
    /// The table of the default runtime's key, and the key.
    pub default_table: Vec<&'static str>,
    pub default_key: &'static str,
}

/// The entry configure wants: runtime `name` running `shim`, in `file`.
pub(crate) struct Want<'a> {
    pub name: &'a str,
    pub shim: &'a str,
    pub file: &'a Path,
}

/// What an engine's runtime entry looks like.
pub(crate) trait Shape {
    /// Whether `item` is a runtime entry: a table, unless the engine says
    /// otherwise.
    fn is_entry(&self, item: &Item) -> bool {
        item.is_table()
    }
    /// The program an entry's table names.
    fn program_of<'t>(&self, _entry: &'t Table) -> Option<&'t str> {
        None
    }
    /// The program an entry runs.
    fn program<'i>(&self, entry: &'i Item) -> Option<&'i str> {
        entry.as_table().and_then(|t| self.program_of(t))
    }
    /// Puts the wanted entry into `runtimes`, in place of anything there.
    fn insert(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError>;
    /// Points the wanted entry, which is ours, at the shim again.
    fn refresh(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError>;
    /// Lays out the default's table when configure gave it a header.
    fn new_default_header(&self, _table: &mut Table) {}
}

/// One TOML file's runtime table.
pub(crate) struct TomlRuntimes<'d, S: Shape> {
    doc: &'d mut DocumentMut,
    file: &'d Path,
    layout: &'d Layout,
    shape: S,
    /// Tables created by the edits so far, by their keys.
    created: Vec<Vec<String>>,
}

impl<'d, S: Shape> TomlRuntimes<'d, S> {
    pub fn new(doc: &'d mut DocumentMut, file: &'d Path, layout: &'d Layout, shape: S) -> Self {
        TomlRuntimes {
            doc,
            file,
            layout,
            shape,
            created: Vec::new(),
        }
    }

    /// The table at `keys`, if the file has one.
    fn table(&self, keys: &[&str]) -> Result<Option<&Table>, FileError> {
        tu::table(self.doc.as_table(), keys, self.file)
    }

    /// The table at `keys`, created when missing (noted for the record),
    /// and the entry shape.
    fn table_mut(&mut self, keys: &[&str]) -> Result<(&mut Table, &S), FileError> {
        let t = tu::table_mut(self.doc.as_table_mut(), keys, self.file, &mut self.created)?;
        Ok((t, &self.shape))
    }

    fn runtimes(&self) -> Result<Option<&Table>, FileError> {
        self.table(&self.layout.runtimes)
    }

    fn runtimes_mut(&mut self) -> Result<(&mut Table, &S), FileError> {
        let layout = self.layout;
        self.table_mut(&layout.runtimes)
    }
}

impl<S: Shape> Runtimes for TomlRuntimes<'_, S> {
    fn field(&self, name: &str) -> String {
        let mut p = self.layout.runtimes.clone();
        p.push(name);
        dotted(&p)
    }

    fn find(&self, name: &str) -> Result<Found, FileError> {
        Ok(match self.runtimes()?.and_then(|t| t.get(name)) {
            None => Found::Absent,
            Some(item) if self.shape.is_entry(item) => {
                Found::Entry(self.shape.program(item).map(str::to_string))
            }
            Some(_) => Found::Other,
        })
    }

    fn entries(&self) -> Result<Vec<(String, Option<String>)>, FileError> {
        let Some(t) = self.runtimes()? else {
            return Ok(Vec::new());
        };
        Ok(t.iter()
            .filter(|(_, item)| self.shape.is_entry(item))
            .map(|(n, item)| (n.to_string(), self.shape.program(item).map(str::to_string)))
            .collect())
    }

    fn save(&self, name: &str) -> Option<String> {
        let item = self.runtimes().ok()??.get(name)?;
        Some(tu::item_to_record(item))
    }

    fn insert(&mut self, name: &str, shim: &str) -> Result<(), FileError> {
        let file = self.file;
        let (t, shape) = self.runtimes_mut()?;
        shape.insert(t, &Want { name, shim, file })
    }

    fn refresh(&mut self, name: &str, shim: &str) -> Result<(), FileError> {
        let file = self.file;
        let (t, shape) = self.runtimes_mut()?;
        shape.refresh(t, &Want { name, shim, file })
    }

    fn take(&mut self, name: &str, saved: Option<&str>) -> Result<(), FileError> {
        let (t, _) = self.runtimes_mut()?;
        match saved.and_then(tu::item_from_record) {
            Some(Item::Value(v)) => tu::set_value(t, name, v),
            Some(item) => {
                t.insert(name, item);
            }
            None => {
                t.remove(name);
            }
        }
        Ok(())
    }

    fn default_runtime(&self) -> Result<Option<String>, FileError> {
        let path = &self.layout.default_table;
        Ok(match self.table(path)? {
            Some(t) => tu::string(t, self.layout.default_key, path, self.file)?.map(str::to_string),
            None => None,
        })
    }

    fn set_default(&mut self, name: &str) -> Result<(), FileError> {
        let layout = self.layout;
        let (t, shape) = self.table_mut(&layout.default_table)?;
        let new_header = t.is_implicit();
        t.set_implicit(false);
        tu::set_value(t, layout.default_key, Value::from(name));
        if new_header {
            shape.new_default_header(t);
        }
        Ok(())
    }

    fn clear_default(&mut self, _file: &Path, _notes: &mut Vec<String>) -> Result<(), FileError> {
        let path = &self.layout.default_table;
        tu::table_mut(self.doc.as_table_mut(), path, self.file, &mut Vec::new())?
            .remove(self.layout.default_key);
        Ok(())
    }

    fn take_added(&mut self) -> Vec<Added> {
        self.created
            .drain(..)
            .map(|keys| Added::Table { keys })
            .collect()
    }
}

impl Edit<'_> {
    /// Reads and parses a TOML file configure writes (see [`Edit::open`]);
    /// a missing one is an empty document.
    pub fn open_toml(&mut self, file: &Path) -> Result<(Option<String>, DocumentMut), FileError> {
        let text = self.open(file)?;
        let doc = tu::parse_or_new(file, text.as_deref())?;
        Ok((text, doc))
    }
}

/// Remove from a single TOML file (Podman's, CRI-O's drop-in): takes the
/// runtime and the default out, prunes the tables configure created, and
/// deletes the file when nothing is left and configure created it (or it
/// is the toolkit's own drop-in, `owned`).
pub(crate) fn remove_from_file<S: Shape>(
    edit: &mut Edit<'_>,
    file: &Path,
    layout: &Layout,
    shape: S,
    owned: bool,
) -> Result<(), EngineError> {
    let before = edit.read(file)?;
    let Some(text) = before.as_deref() else {
        edit.keep(file, None);
        return Ok(());
    };
    let mut doc = tu::parse(file, text)?;
    let mut rt = TomlRuntimes::new(&mut doc, file, layout, shape);
    let changed = edit.take_runtime(file, &mut rt)? | edit.take_default(file, &mut rt)?;
    if !changed {
        edit.keep(file, before);
        return Ok(());
    }
    tu::prune(doc.as_table_mut(), &layout.runtimes, &|p| {
        edit.added_table(p)
    });
    let gone = (owned || edit.created(file)) && tu::doc_is_empty(&doc);
    let after = (!gone).then(|| tu::render(&doc));
    edit.write(file, before, after);
    Ok(())
}

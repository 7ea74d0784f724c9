//! containerd's config.toml, versions 1, 2 and 3.
//!
//! The runtime goes under the CRI plugin of the file's version
//! (`plugins.cri`, `plugins."io.containerd.grpc.v1.cri"`,
//! `plugins."io.containerd.cri.v1.runtime"`), at
//! `containerd.runtimes.<name>`, as a copy of the current default runtime
//! (so `SystemdCgroup` and the like carry over) with
//! `runtime_type = "io.containerd.runc.v2"` and `options.BinaryName`.
//!
//! A file without `version` is version 1 when it holds anything. A missing
//! or empty file is written as version 2: containerd 1.6 and 1.7 (Debian 12,
//! Ubuntu 22.04/24.04, RHEL 9 add-ons) do not read version 3, and
//! containerd 2.x still reads version 2 and migrates it.
//!
//! containerd's CRI passes a pod's or a container's annotations into
//! config.json only for the keys the runtime entry lists in
//! `pod_annotations` and `container_annotations` ([`Annotations`]).
//!
//! containerd 1.x still honours the CRI plugin's deprecated
//! `containerd.default_runtime` table of a version 1 or 2 file: when its
//! `runtime_type` is set, it is the default runtime and
//! `default_runtime_name` is ignored. `--set-as-default` then points that
//! table's `options.BinaryName` at the shim too, when it is a runc runtime
//! (and remove puts back what it held); any other runtime there is left
//! alone with a note.
//!
//! With a drop-in, the runtime goes into the drop-in and the drop-in's
//! directory glob into `imports` of the main file. containerd before 2.1
//! merges an imported file by replacing each whole plugin table it names,
//! so a drop-in holding only the new runtime would drop every other CRI
//! setting of the main file (its runc runtime included). The drop-in
//! therefore holds a copy of the main file's whole CRI plugin table plus the
//! runtime; running configure again refreshes that copy.

use super::flow::{self, Edit, Editor};
use super::plan::Target;
use super::state::Added;
use super::status::Wiring;
use super::toml_runtimes::{Layout, Shape, TomlRuntimes, Want};
use super::toml_util::{self as tu, dotted, Indent};
use super::{is_shim_path, read_optional, EngineError, EngineFiles};
use container_hooks_core::error::FileError;
use std::path::{Path, PathBuf};
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// The runtime type of runc through containerd's v2 shim.
pub const RUNC_V2: &str = "io.containerd.runc.v2";
/// The default runtime name of containerd when the file sets none.
pub const CONTAINERD_DEFAULT_RUNTIME: &str = "runc";

/// A containerd config version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
    V3,
}

impl Version {
    pub fn number(self) -> i64 {
        match self {
            Version::V1 => 1,
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }

    /// The CRI plugin table that holds `containerd.runtimes`.
    pub fn cri_path(self) -> [&'static str; 2] {
        match self {
            Version::V1 => ["plugins", "cri"],
            Version::V2 => ["plugins", "io.containerd.grpc.v1.cri"],
            Version::V3 => ["plugins", "io.containerd.cri.v1.runtime"],
        }
    }

    /// The CRI plugin's `containerd` table, which holds the default
    /// runtime's name.
    fn containerd_path(self) -> [&'static str; 3] {
        let [a, b] = self.cri_path();
        [a, b, "containerd"]
    }

    /// The deprecated `default_runtime` table, for the versions whose
    /// readers (containerd 1.x) honour it.
    fn deprecated_default_path(self) -> Option<[&'static str; 4]> {
        let [a, b, c] = self.containerd_path();
        (self != Version::V3).then_some([a, b, c, DEPRECATED_DEFAULT])
    }

    /// Where the runtimes and the default runtime's name are.
    fn layout(self) -> Layout {
        let mut runtimes = self.containerd_path().to_vec();
        runtimes.push("runtimes");
        Layout {
            runtimes,
            default_table: self.containerd_path().to_vec(),
            default_key: "default_runtime_name",
        }
    }
}

/// The version a file declares: None for a file with nothing in it
/// (missing or empty: the caller picks the version), 1 for a non-empty file
/// without `version`.
pub fn detect_version(file: &Path, doc: &DocumentMut) -> Result<Option<Version>, FileError> {
    match doc.get("version") {
        None if tu::doc_is_empty(doc) => Ok(None),
        None => Ok(Some(Version::V1)),
        Some(item) => match item.as_integer() {
            Some(1) => Ok(Some(Version::V1)),
            Some(2) => Ok(Some(Version::V2)),
            Some(3) => Ok(Some(Version::V3)),
            Some(n) => Err(FileError::new(
                file,
                format!(
                    "version = {n} is not a containerd config version this tool knows (1, 2 or 3)"
                ),
            )),
            None => Err(FileError::new(
                file,
                format!("version is a {}, not an integer", tu::kind(item)),
            )),
        },
    }
}

/// The version written into a missing or empty file.
pub const NEW_FILE_VERSION: Version = Version::V2;

/// The drop-in path a package would use for containerd.
pub fn suggested_drop_in() -> PathBuf {
    PathBuf::from("/etc/containerd/conf.d/99-container-hooks.toml")
}

/// The import entry that makes containerd read `drop_in`: its directory
/// with `*.toml`.
pub fn import_glob(drop_in: &Path) -> String {
    let dir = drop_in.parent().unwrap_or(Path::new("/"));
    match drop_in.extension().and_then(|e| e.to_str()) {
        Some(ext) => dir.join(format!("*.{ext}")).display().to_string(),
        None => drop_in.display().to_string(),
    }
}

fn imports_cover(imports: &Array, drop_in: &Path, glob: &str) -> bool {
    let dir = drop_in.parent().unwrap_or(Path::new("/"));
    let any = dir.join("*").display().to_string();
    imports
        .iter()
        .filter_map(Value::as_str)
        .any(|i| i == glob || i == any || Path::new(i) == drop_in)
}

/// Puts `version = N` first in a new document.
fn add_version(doc: &mut DocumentMut, v: Version) {
    doc.insert("version", toml_edit::value(v.number()));
    // Keep it first even when the document already had tables.
    let root = doc.as_table_mut();
    root.sort_values_by(|a, _, b, _| (b.get() == "version").cmp(&(a.get() == "version")));
}

fn binary_name(entry: &Table) -> Option<&str> {
    match entry.get("options") {
        Some(Item::Table(o)) => binary_name_of(o),
        _ => None,
    }
}

fn is_runc_type(t: &Table) -> bool {
    matches!(
        t.get("runtime_type").and_then(Item::as_str),
        None | Some("") | Some(RUNC_V2) | Some("io.containerd.runc.v1")
    )
}

/// The CRI plugin's deprecated default runtime table, which containerd
/// 1.x uses in place of `default_runtime_name` once it names a runtime
/// type.
const DEPRECATED_DEFAULT: &str = "default_runtime";

/// The deprecated default runtime table of a CRI plugin table when
/// containerd uses it (its `runtime_type` is set).
fn deprecated_default_in_force(containerd: &Table) -> Option<&Table> {
    match containerd.get(DEPRECATED_DEFAULT) {
        Some(Item::Table(d))
            if d.get("runtime_type")
                .and_then(Item::as_str)
                .is_some_and(|s| !s.is_empty()) =>
        {
            Some(d)
        }
        _ => None,
    }
}

/// The runtime whose settings a new runtime copies: the default runtime
/// (the deprecated table where containerd uses it: then `true`) when it is
/// a runc runtime, else `runc`.
fn template<'a>(cri: &'a Table, name: &str, v: Version) -> Option<(&'a Table, bool)> {
    let containerd = match cri.get("containerd") {
        Some(Item::Table(c)) => c,
        _ => return None,
    };
    if v.deprecated_default_path().is_some() {
        if let Some(d) = deprecated_default_in_force(containerd).filter(|d| is_runc_type(d)) {
            return Some((d, true));
        }
    }
    let default_name = containerd
        .get("default_runtime_name")
        .and_then(Item::as_str)
        .unwrap_or(CONTAINERD_DEFAULT_RUNTIME);
    let runtimes = match containerd.get("runtimes") {
        Some(Item::Table(r)) => Some(r),
        _ => None,
    };
    let lookup = |n: &str| match runtimes.and_then(|r| r.get(n)) {
        Some(Item::Table(t)) if n != name && is_runc_type(t) => Some(t),
        _ => None,
    };
    lookup(default_name)
        .or_else(|| lookup(CONTAINERD_DEFAULT_RUNTIME))
        .map(|t| (t, false))
}

/// An entry is a table with `runtime_type` and `options.BinaryName`: a copy
/// of the default runtime, laid out like the file's other tables.
struct Entry {
    template: Option<Table>,
    style: Indent,
    /// The number of keys of an entry's table name.
    depth: usize,
    /// The number of keys of the default runtime name's table.
    default_depth: usize,
}

/// Sets `runtime_type` and `options.BinaryName` of an entry; returns its
/// options table and whether that was made here.
fn point_at<'e>(e: &'e mut Table, want: &Want<'_>) -> Result<(&'e mut Table, bool), FileError> {
    tu::set_value(e, "runtime_type", Value::from(RUNC_V2));
    let mut created = Vec::new();
    let options = tu::table_mut(e, &["options"], want.file, &mut created)?;
    tu::set_value(options, "BinaryName", Value::from(want.shim));
    Ok((options, !created.is_empty()))
}

impl Shape for Entry {
    fn program_of<'t>(&self, entry: &'t Table) -> Option<&'t str> {
        binary_name(entry)
    }

    fn insert(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError> {
        let fresh = self.template.is_none();
        let mut e = self.template.clone().unwrap_or_default();
        e.set_implicit(false);
        let (options, made) = point_at(&mut e, want)?;
        options.set_implicit(false);
        if !fresh && made {
            tu::apply_indent(options, self.depth + 1, &self.style, true);
        }
        if fresh {
            tu::apply_indent(&mut e, self.depth, &self.style, true);
        }
        runtimes.insert(want.name, Item::Table(e));
        Ok(())
    }

    fn refresh(&self, runtimes: &mut Table, want: &Want<'_>) -> Result<(), FileError> {
        if let Some(Item::Table(e)) = runtimes.get_mut(want.name) {
            let (options, made) = point_at(e, want)?;
            if made {
                options.set_implicit(false);
                tu::apply_indent(options, self.depth + 1, &self.style, true);
            }
        }
        Ok(())
    }

    fn new_default_header(&self, table: &mut Table) {
        tu::apply_indent(table, self.default_depth, &self.style, false);
    }
}

/// containerd's editor.
pub(crate) struct Containerd;

impl Editor for Containerd {
    fn configure(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let mut main = ConfigFile::open_main(edit)?;
        let Some(drop_in) = edit.t.files.drop_in.as_deref() else {
            main.put_runtime(edit)?;
            main.write(edit);
            return Ok(());
        };
        if drop_in == main.path {
            return Err(EngineError::Usage(format!(
                "--drop-in {}: the drop-in must be another file than --config",
                drop_in.display()
            )));
        }
        main.add_import(drop_in, edit)?;
        let mut din = ConfigFile::open_drop_in(drop_in, &main, edit)?;
        din.copy_cri_table(&main, edit)?;
        din.put_runtime(edit)?;
        din.write(edit);
        main.write(edit);
        Ok(())
    }

    fn remove(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let files = &edit.t.files;
        let mut main = ConfigFile::read(&files.config, NEW_FILE_VERSION, edit)?;
        let Some(drop_in) = files.drop_in.as_deref() else {
            let changed = main.exists() && main.take_runtime(edit)?;
            main.finish(changed, Added::Version, edit);
            return Ok(());
        };
        let mut din = ConfigFile::read(drop_in, main.version, edit)?;
        let mut changed = false;
        if din.exists() {
            changed = din.take_runtime(edit)?;
            if edit.was_added(&Added::PluginCopy) {
                changed |= din.drop_cri_table(edit);
            }
        }
        din.finish(changed, Added::DropInVersion, edit);
        let changed = main.exists() && main.take_import(drop_in, edit);
        main.finish(changed, Added::Version, edit);
        Ok(())
    }

    fn wiring(&self, files: &EngineFiles, shim: &Path) -> Result<Wiring, EngineError> {
        let config = files.config.as_path();
        let mut w = Wiring::default();
        let mut config_exists = false;
        for file in std::iter::once(config).chain(files.drop_in.as_deref()) {
            let Some(text) = read_optional(file)? else {
                continue;
            };
            config_exists |= file == config;
            let mut doc = tu::parse(file, &text)?;
            let layout = detect_version(file, &doc)?
                .unwrap_or(NEW_FILE_VERSION)
                .layout();
            let rt = TomlRuntimes::new(&mut doc, file, &layout, NO_ENTRY);
            let of_file = flow::wiring(&rt, shim)?;
            for (name, program) in of_file.shim_runtimes {
                w.shim_runtimes.retain(|(n, _)| *n != name);
                w.shim_runtimes.push((name, program));
            }
            w.default_runtime = of_file.default_runtime.or(w.default_runtime);
        }
        if w.default_runtime.is_none() && config_exists {
            w.default_runtime = Some(CONTAINERD_DEFAULT_RUNTIME.to_string());
        }
        Ok(w)
    }
}

/// An entry shape for reading only.
const NO_ENTRY: Entry = Entry {
    template: None,
    style: Indent::None,
    depth: 0,
    default_depth: 0,
};

/// One containerd file of an edit (the main file or the drop-in): its host
/// path, its text as read (None: missing), the document the edit changes,
/// and the config version it is read as.
struct ConfigFile {
    path: PathBuf,
    before: Option<String>,
    doc: DocumentMut,
    version: Version,
}

impl ConfigFile {
    /// Configure: opens the main file, adding `version = 2` to a missing
    /// or empty one (with a note).
    fn open_main(edit: &mut Edit<'_>) -> Result<ConfigFile, FileError> {
        let path = edit.t.files.config.clone();
        let (before, mut doc) = edit.open_toml(&path)?;
        let version = match detect_version(&path, &doc)? {
            Some(v) => v,
            None => {
                edit.notes.push(format!(
                    "{}: the file is {}; writing a version {} config, the newest that containerd 1.6 and 1.7 read (containerd 2.x reads it too)",
                    path.display(),
                    if before.is_some() { "empty" } else { "missing" },
                    NEW_FILE_VERSION.number()
                ));
                add_version(&mut doc, NEW_FILE_VERSION);
                edit.record.add(Added::Version);
                NEW_FILE_VERSION
            }
        };
        Ok(ConfigFile {
            path,
            before,
            doc,
            version,
        })
    }

    /// Configure: opens the drop-in, which must be of the main file's
    /// version; one that declares none is given it (but version 1, which
    /// a file without `version` is).
    fn open_drop_in(
        drop_in: &Path,
        main: &ConfigFile,
        edit: &mut Edit<'_>,
    ) -> Result<ConfigFile, FileError> {
        let (before, mut doc) = edit.open_toml(drop_in)?;
        let version = main.version;
        match detect_version(drop_in, &doc)? {
            None if version != Version::V1 => {
                add_version(&mut doc, version);
                edit.record.add(Added::DropInVersion);
            }
            Some(dv) if dv != version => {
                return Err(FileError::new(
                    drop_in,
                    format!(
                        "version = {} differs from version = {} of {}",
                        dv.number(),
                        version.number(),
                        main.path.display()
                    ),
                ));
            }
            _ => {}
        }
        Ok(ConfigFile {
            path: drop_in.to_path_buf(),
            before,
            doc,
            version,
        })
    }

    /// Remove: reads `path`, as version `default` when it declares none.
    fn read(path: &Path, default: Version, edit: &Edit<'_>) -> Result<ConfigFile, FileError> {
        let before = edit.read(path)?;
        let doc = tu::parse_or_new(path, before.as_deref())?;
        let version = detect_version(path, &doc)?.unwrap_or(default);
        Ok(ConfigFile {
            path: path.to_path_buf(),
            before,
            doc,
            version,
        })
    }

    /// Whether the file existed before the edit.
    fn exists(&self) -> bool {
        self.before.is_some()
    }

    /// Configure: the file holds the edited document once the plan is
    /// applied.
    fn write(self, edit: &mut Edit<'_>) {
        edit.write(&self.path, self.before, Some(tu::render(&self.doc)));
    }

    /// Remove: a changed file is written, after dropping `version` when
    /// configure added it (`version_added`: [`Added::Version`] or
    /// [`Added::DropInVersion`]) and nothing else is left; a file configure
    /// created that is left empty is deleted.
    fn finish(mut self, changed: bool, version_added: Added, edit: &mut Edit<'_>) {
        if !changed {
            edit.keep(&self.path, self.before);
            return;
        }
        if edit.was_added(&version_added) {
            let only_version = self.doc.iter().all(|(k, i)| {
                k == "version" || matches!(i, Item::Table(t) if tu::is_empty_table(t))
            });
            if only_version {
                self.doc.remove("version");
                self.doc.as_table_mut().retain(|_, _| false);
            }
        }
        let after = if edit.created(&self.path) && tu::doc_is_empty(&self.doc) {
            None
        } else {
            Some(tu::render(&self.doc))
        };
        edit.write(&self.path, self.before, after);
    }

    /// Names the drop-in's directory in the main file's `imports`.
    fn add_import(&mut self, drop_in: &Path, edit: &mut Edit<'_>) -> Result<(), FileError> {
        let glob = import_glob(drop_in);
        match self.doc.get_mut("imports") {
            None => {
                let mut a = Array::new();
                a.push(glob.as_str());
                self.doc.insert("imports", toml_edit::value(a));
                edit.record.add(Added::Imports);
            }
            Some(Item::Value(Value::Array(a))) => {
                if !imports_cover(a, drop_in, &glob) {
                    a.push(glob.as_str());
                    edit.record.add(Added::ImportsEntry { entry: glob });
                }
            }
            Some(other) => {
                return Err(FileError::new(
                    &self.path,
                    format!("imports is a {}, not an array", tu::kind(other)),
                ));
            }
        }
        Ok(())
    }

    /// Remove: takes out of the main file's `imports` the entry configure
    /// added. Returns whether the file changed.
    fn take_import(&mut self, drop_in: &Path, edit: &Edit<'_>) -> bool {
        let glob = import_glob(drop_in);
        let whole = edit.was_added(&Added::Imports);
        let entry = edit.was_added(&Added::ImportsEntry {
            entry: glob.clone(),
        });
        let Some(Item::Value(Value::Array(a))) = self.doc.get_mut("imports") else {
            return false;
        };
        if !whole && !entry {
            return false;
        }
        let before = a.len();
        a.retain(|v| v.as_str() != Some(glob.as_str()));
        let mut changed = a.len() != before;
        if whole && a.is_empty() {
            self.doc.remove("imports");
            changed = true;
        }
        changed
    }

    /// Copies the main file's CRI plugin table into this drop-in, when it
    /// has none or holds an earlier copy.
    fn copy_cri_table(&mut self, main: &ConfigFile, edit: &mut Edit<'_>) -> Result<(), FileError> {
        let cri_path = self.version.cri_path();
        let has_cri = tu::table(self.doc.as_table(), &cri_path, &self.path)?.is_some();
        if has_cri && !edit.record.added(&Added::PluginCopy) {
            return Ok(());
        }
        let copy = tu::table(main.doc.as_table(), &cri_path, &main.path)?.map(tu::copy_table);
        let mut created = Vec::new();
        let plugins = tu::table_mut(
            self.doc.as_table_mut(),
            &cri_path[..1],
            &self.path,
            &mut created,
        )?;
        let mut table = copy.unwrap_or_default();
        table.set_implicit(false);
        plugins.insert(cri_path[1], Item::Table(table));
        edit.record.add(Added::PluginCopy);
        edit.notes.push(format!(
            "{}: holds a copy of {} from {}, because containerd before 2.1 replaces a whole plugin table when it imports a file; run configure again after changing that table in {}",
            self.path.display(),
            dotted(&cri_path),
            main.path.display(),
            main.path.display()
        ));
        Ok(())
    }

    /// Remove: takes the copy of the CRI plugin table out of this drop-in.
    fn drop_cri_table(&mut self, edit: &Edit<'_>) -> bool {
        let [plugins, cri] = self.version.cri_path();
        let din = &mut self.doc;
        let Some(Item::Table(p)) = din.get_mut(plugins) else {
            return false;
        };
        p.remove(cri);
        tu::prune(din.as_table_mut(), &[plugins], &|_| false);
        if let Some(Item::Table(p)) = din.get(plugins) {
            if tu::is_empty_table(p) && edit.created(&self.path) {
                din.remove(plugins);
            }
        }
        true
    }

    /// Adds or updates the runtime (and, when asked, the default runtime
    /// name) in the file's CRI plugin.
    fn put_runtime(&mut self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let (file, v) = (self.path.as_path(), self.version);
        let layout = v.layout();
        let style = tu::indent_style(&self.doc.to_string());
        let mut template = match tu::table(self.doc.as_table(), &v.cri_path(), file)? {
            Some(cri) => template(cri, &edit.t.name, v)
                .map(|(t, deprecated)| (tu::copy_table(t), deprecated)),
            None => None,
        };
        // A copy of the deprecated table sits one level deeper than it did.
        if let Some((t, true)) = &mut template {
            tu::apply_indent(t, layout.runtimes.len() + 1, &style, true);
        }
        let template = template.map(|(t, _)| t);
        self.put_builtin_runc(&style, edit)?;
        let entry = Entry {
            template,
            style: style.clone(),
            depth: layout.runtimes.len() + 1,
            default_depth: layout.default_table.len(),
        };
        let mut rt = TomlRuntimes::new(&mut self.doc, &self.path, &layout, entry);
        edit.put_runtime(&self.path, &mut rt)?;
        edit.put_default(&mut rt)?;
        self.put_annotations(&layout, edit.t)?;
        if edit.t.req.set_as_default {
            self.put_deprecated_default(&style, edit)?;
        }
        Ok(())
    }

    /// containerd replaces its built-in runtimes with the file's as soon
    /// as the file names any runtime: writes the built-in runc runtime too
    /// when the file relies on it, or the default runtime would vanish.
    fn put_builtin_runc(&mut self, style: &Indent, edit: &mut Edit<'_>) -> Result<(), FileError> {
        let (file, v) = (self.path.as_path(), self.version);
        let layout = v.layout();
        let default_name = match tu::table(self.doc.as_table(), &layout.default_table, file)? {
            Some(c) => {
                tu::string(c, layout.default_key, &layout.default_table, file)?.map(str::to_string)
            }
            None => None,
        };
        let mut created = Vec::new();
        let runtimes = tu::table_mut(
            self.doc.as_table_mut(),
            &layout.runtimes,
            file,
            &mut created,
        )?;
        if default_name
            .as_deref()
            .map_or(true, |d| d == CONTAINERD_DEFAULT_RUNTIME)
            && !runtimes.contains_key(CONTAINERD_DEFAULT_RUNTIME)
            && edit.t.name != CONTAINERD_DEFAULT_RUNTIME
        {
            let mut runc = Table::new();
            tu::set_value(&mut runc, "runtime_type", Value::from(RUNC_V2));
            if v == Version::V3 {
                tu::set_value(&mut runc, "sandboxer", Value::from("podsandbox"));
            }
            tu::apply_indent(&mut runc, layout.runtimes.len() + 1, style, true);
            runtimes.insert(CONTAINERD_DEFAULT_RUNTIME, Item::Table(runc));
            edit.record.add(Added::BuiltinRunc);
            edit.notes.push(format!(
                "{}: also writing containerd's built-in runtime {:?}, which containerd drops once the file names any runtime",
                file.display(),
                CONTAINERD_DEFAULT_RUNTIME
            ));
        }
        for keys in created {
            edit.record.add(Added::Table { keys });
        }
        Ok(())
    }

    /// Sets `pod_annotations` and `container_annotations` of the runtime
    /// entry as asked; a list not asked for stays as it is.
    fn put_annotations(&mut self, layout: &Layout, t: &Target<'_>) -> Result<(), FileError> {
        let mut path = layout.runtimes.clone();
        path.push(&t.name);
        for (key, _, list) in t.req.annotations.lists() {
            let Some(list) = list else { continue };
            let entry = tu::table_mut(self.doc.as_table_mut(), &path, &self.path, &mut Vec::new())?;
            if list.is_empty() {
                entry.remove(key);
                continue;
            }
            let mut patterns = Array::new();
            for p in list {
                patterns.push(p.as_str());
            }
            let unchanged = entry.get(key).and_then(Item::as_array).is_some_and(|a| {
                a.iter()
                    .map(Value::as_str)
                    .eq(list.iter().map(|p| Some(p.as_str())))
            });
            if !unchanged {
                tu::set_value(entry, key, Value::Array(patterns));
            }
        }
        Ok(())
    }

    /// `--set-as-default` where containerd 1.x uses the deprecated
    /// `default_runtime` table in place of `default_runtime_name`: a runc
    /// runtime there runs the shim too (`options.BinaryName`, the value it
    /// had recorded); another runtime is left alone, with a note.
    fn put_deprecated_default(
        &mut self,
        style: &Indent,
        edit: &mut Edit<'_>,
    ) -> Result<(), FileError> {
        let (file, v) = (self.path.as_path(), self.version);
        let Some(path) = v.deprecated_default_path() else {
            return Ok(());
        };
        let in_force = tu::table(self.doc.as_table(), &v.containerd_path(), file)?
            .and_then(deprecated_default_in_force)
            .map(|d| (is_runc_type(d), binary_name(d).map(str::to_string)));
        let Some((runc, binary)) = in_force else {
            return Ok(());
        };
        let field = dotted(&path);
        if !runc {
            edit.notes.push(format!(
                "{}: {field} is set, and containerd uses it in place of default_runtime_name; remove that table for {:?} to become the default",
                file.display(),
                edit.t.name
            ));
            return Ok(());
        }
        let shim = edit.t.req.path.display().to_string();
        if binary.as_deref() == Some(shim.as_str()) {
            return Ok(());
        }
        let previous = match edit.recorded.and_then(|r| r.default_runtime_binary()) {
            // Pointed at the shim before, and changed since: what it held
            // before configure is what remove puts back.
            Some(recorded) => recorded.map(str::to_string),
            None => binary,
        };
        let mut created = Vec::new();
        let mut options_path = path.to_vec();
        options_path.push("options");
        let options = tu::table_mut(self.doc.as_table_mut(), &options_path, file, &mut created)?;
        tu::set_value(options, "BinaryName", Value::from(shim.as_str()));
        if !created.is_empty() {
            options.set_implicit(false);
            tu::apply_indent(options, options_path.len(), style, true);
        }
        for keys in created {
            edit.record.add(Added::Table { keys });
        }
        edit.record
            .added
            .retain(|a| !matches!(a, Added::DefaultRuntimeBinary { .. }));
        edit.record.add(Added::DefaultRuntimeBinary { previous });
        edit.notes.push(format!(
            "{}: {field} is set, and containerd 1.x uses it in place of default_runtime_name: its options.BinaryName now runs the shim too; remove puts it back",
            file.display()
        ));
        Ok(())
    }

    /// Remove: takes the runtime out and restores the default runtime
    /// name. Returns whether anything changed.
    fn take_runtime(&mut self, edit: &mut Edit<'_>) -> Result<bool, EngineError> {
        let file = self.path.as_path();
        let layout = self.version.layout();
        let mut rt = TomlRuntimes::new(&mut self.doc, file, &layout, NO_ENTRY);
        let taken = edit.take_runtime(file, &mut rt)?;
        let changed = edit.take_default(file, &mut rt)? | taken;
        let changed = self.take_deprecated_default(edit)? | changed;
        let doc = &mut self.doc;
        if taken && edit.was_added(&Added::BuiltinRunc) {
            tu::table_mut(
                doc.as_table_mut(),
                &layout.runtimes,
                &self.path,
                &mut Vec::new(),
            )?
            .remove(CONTAINERD_DEFAULT_RUNTIME);
        }
        if changed {
            tu::prune(doc.as_table_mut(), &layout.runtimes, &|p| {
                edit.added_table(p)
            });
        }
        Ok(changed)
    }

    /// Remove: puts back `options.BinaryName` of the deprecated default
    /// runtime table, when configure pointed it at the shim and it still
    /// runs the shim. Returns whether the file changed.
    fn take_deprecated_default(&mut self, edit: &Edit<'_>) -> Result<bool, FileError> {
        let file = self.path.as_path();
        let (Some(path), Some(previous)) = (
            self.version.deprecated_default_path(),
            edit.recorded.and_then(|r| r.default_runtime_binary()),
        ) else {
            return Ok(false);
        };
        let mut options_path = path.to_vec();
        options_path.push("options");
        let Some(options) = tu::table(self.doc.as_table(), &options_path, file)? else {
            return Ok(false);
        };
        let runs_shim = binary_name_of(options).is_some_and(|b| is_shim_path(b, &edit.t.req.path));
        if !runs_shim {
            return Ok(false);
        }
        let options = tu::table_mut(
            self.doc.as_table_mut(),
            &options_path,
            file,
            &mut Vec::new(),
        )?;
        match previous {
            Some(p) => tu::set_value(options, "BinaryName", Value::from(p)),
            None => {
                options.remove("BinaryName");
            }
        }
        tu::prune(self.doc.as_table_mut(), &options_path, &|p| {
            edit.added_table(p)
        });
        Ok(true)
    }
}

/// `BinaryName` of an `options` table.
fn binary_name_of(options: &Table) -> Option<&str> {
    options.get("BinaryName").and_then(Item::as_str)
}

/// The annotations containerd's CRI passes into a container's
/// config.json, listed on its runtime entry: a pod's annotations
/// (`pod_annotations`, into the sandbox and every container of the pod)
/// and a container's own (`container_annotations`), each only when its
/// key matches one of the patterns (Go's `path.Match` globs, such as
/// `io.example.*`). None keeps what the entry lists; an empty list takes
/// the key out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    pub pod: Option<Vec<String>>,
    pub container: Option<Vec<String>>,
}

impl Annotations {
    /// (entry key, command-line flag, patterns) of each list.
    fn lists(&self) -> [(&'static str, &'static str, Option<&Vec<String>>); 2] {
        [
            ("pod_annotations", "--pod-annotations", self.pod.as_ref()),
            (
                "container_annotations",
                "--container-annotations",
                self.container.as_ref(),
            ),
        ]
    }

    /// The flag of the first list given, if any.
    pub fn given(&self) -> Option<&'static str> {
        self.lists()
            .into_iter()
            .find_map(|(_, flag, l)| l.map(|_| flag))
    }

    /// Every pattern is one containerd can match.
    pub fn check(&self) -> Result<(), EngineError> {
        for (_, flag, list) in self.lists() {
            for p in list.into_iter().flatten() {
                check_glob(p)
                    .map_err(|fault| EngineError::Usage(format!("{flag} {p:?}: {fault}")))?;
            }
        }
        Ok(())
    }
}

/// A list of patterns as the command line gives it: `''` (a list of
/// empty values) is the empty list, which takes the key out.
pub fn patterns(list: Option<Vec<String>>) -> Option<Vec<String>> {
    list.map(|l| {
        if l.iter().all(String::is_empty) {
            Vec::new()
        } else {
            l
        }
    })
}

/// Why an annotation list is refused for an engine other than containerd.
pub fn annotations_refusal(flag: &str, engine: super::Engine) -> String {
    use super::Engine;
    let why = match engine {
        Engine::Crio => "CRI-O passes every pod annotation into config.json already",
        Engine::Podman => "Podman passes every --annotation into config.json already",
        Engine::Docker | Engine::Containerd => "Docker has no pod or container annotations",
    };
    format!(
        "{flag}: only for containerd, whose CRI passes an annotation into config.json only when the runtime entry lists it; {why}"
    )
}

/// Checks a pattern as Go's `path.Match` parses it (containerd matches
/// annotation keys with it and ignores a pattern it cannot parse): `*`,
/// `?`, `\` escaping the next character, and `[...]` classes of
/// characters and ranges, `^` negating.
fn check_glob(p: &str) -> Result<(), &'static str> {
    if p.is_empty() {
        return Err("an empty pattern matches no annotation");
    }
    let mut chars = p.chars().peekable();
    let escaped = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        chars
            .next()
            .ok_or("ends with a backslash that escapes nothing")
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                escaped(&mut chars)?;
            }
            '[' => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                let mut ranges = 0;
                loop {
                    match chars.next() {
                        None => return Err("has a '[' without its ']'"),
                        Some(']') if ranges > 0 => break,
                        Some(']' | '-') => {
                            return Err("has a character class with a misplaced ']' or '-'")
                        }
                        Some('\\') => {
                            escaped(&mut chars)?;
                        }
                        Some(_) => {}
                    }
                    ranges += 1;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        match chars.next() {
                            None => return Err("has a '[' without its ']'"),
                            Some(']' | '-') => {
                                return Err("has a character class with a misplaced ']' or '-'")
                            }
                            Some('\\') => {
                                escaped(&mut chars)?;
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{plan_configure, plan_remove, Engine, Request};

    const CRI: &str = "plugins.\"io.containerd.grpc.v1.cri\"";

    fn apply(req: &Request, configure: bool) -> Vec<String> {
        let plan = if configure {
            plan_configure(req).unwrap()
        } else {
            plan_remove(req).unwrap()
        };
        plan.apply_under_lock();
        plan.notes
    }

    fn request(dir: &Path, config: &Path) -> Request {
        let mut req = Request::new(Engine::Containerd, dir.join("state"));
        req.config = Some(config.to_path_buf());
        req
    }

    fn entry(config: &Path) -> toml::Value {
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
        v["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["container-hooks"]
            .clone()
    }

    fn patterns(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    /// The lists go on the runtime entry; configure without them keeps
    /// them; an empty list takes one out; remove takes the entry out with
    /// them, giving the file back.
    #[test]
    fn annotation_lists_are_set_kept_cleared_and_removed_with_the_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config.toml");
        std::fs::copy(
            test_support::fixture("engines/containerd/v2-containerd-1.6-default.toml"),
            &config,
        )
        .unwrap();
        let original = std::fs::read_to_string(&config).unwrap();
        let mut req = request(tmp.path(), &config);
        req.annotations.pod = patterns(&["io.example.*", "example.com/[a-z]*"]);
        req.annotations.container = patterns(&["io.example.container"]);
        apply(&req, true);
        let e = entry(&config);
        assert_eq!(
            e["pod_annotations"],
            toml::Value::try_from(["io.example.*", "example.com/[a-z]*"]).unwrap()
        );
        assert_eq!(
            e["container_annotations"],
            toml::Value::try_from(["io.example.container"]).unwrap()
        );
        // The runc entry it was copied from keeps its own (empty) lists.
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(
            text.contains(&format!(
                "[{CRI}.containerd.runtimes.container-hooks]\n          base_runtime_spec = \"\"\n          cni_conf_dir = \"\"\n          cni_max_conf_num = 0\n          container_annotations = [\"io.example.container\"]\n          pod_annotations = [\"io.example.*\", \"example.com/[a-z]*\"]\n"
            )),
            "{text}"
        );
        // Configure again without the options: nothing changes.
        let plain = request(tmp.path(), &config);
        assert!(!plan_configure(&plain).unwrap().changes_files());
        // An empty list takes the key out; the other stays.
        let mut clear = request(tmp.path(), &config);
        clear.annotations.pod = Some(Vec::new());
        apply(&clear, true);
        let e = entry(&config);
        assert!(e.get("pod_annotations").is_none(), "{e:?}");
        assert!(e.get("container_annotations").is_some(), "{e:?}");
        apply(&plain, false);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), original);
    }

    #[test]
    fn annotation_lists_are_for_containerd_and_patterns_must_parse() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config.toml");
        let mut req = request(tmp.path(), &config);
        // Go's path.Match refuses each of these (']' or '-' first in a
        // class, a class or an escape left open); containerd would ignore
        // the pattern.
        for bad in [
            "io.example.[a-",
            "io\\",
            "[]x]",
            "[]-]",
            "a[-z]",
            "",
            "io.[^]",
        ] {
            req.annotations.pod = patterns(&[bad]);
            let err = plan_configure(&req).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("--pod-annotations {bad:?}: ")),
                "{err}"
            );
        }
        for good in ["*", "io.example.*", "a[^b-d]?", "x\\*y", "[\\]]", "a]"] {
            req.annotations.pod = patterns(&[good]);
            plan_configure(&req).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for engine in [Engine::Docker, Engine::Crio, Engine::Podman] {
            let mut req = Request::new(engine, tmp.path().join("state"));
            req.config = Some(tmp.path().join("other"));
            req.annotations.container = patterns(&["io.example.*"]);
            let err = plan_configure(&req).unwrap_err().to_string();
            assert!(
                err.starts_with("--container-annotations: only for containerd"),
                "{engine}: {err}"
            );
        }
        assert!(!config.exists());
    }

    /// A deprecated default_runtime table that names another runtime
    /// than runc is left alone, with a note, in version 2 as in version
    /// 1; one whose BinaryName names another program gets it back on
    /// remove.
    #[test]
    fn deprecated_default_table_of_another_runtime_or_program() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config.toml");
        let kata = format!(
            "version = 2\n\n[{CRI}.containerd]\n  snapshotter = \"overlayfs\"\n\n[{CRI}.containerd.default_runtime]\n  runtime_type = \"io.containerd.kata.v2\"\n"
        );
        std::fs::write(&config, &kata).unwrap();
        let mut req = request(tmp.path(), &config);
        req.set_as_default = true;
        let notes = apply(&req, true);
        assert!(
            notes.iter().any(|n| n.contains(
                "containerd.default_runtime is set, and containerd uses it in place of default_runtime_name; remove that table"
            )),
            "{notes:?}"
        );
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(
            text.contains("runtime_type = \"io.containerd.kata.v2\"\n")
                && !text.contains("kata.v2\"\n  BinaryName"),
            "{text}"
        );
        apply(&request(tmp.path(), &config), false);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), kata);

        let nvidia = format!(
            "version = 2\n\n[{CRI}.containerd]\n  snapshotter = \"overlayfs\"\n\n[{CRI}.containerd.default_runtime]\n  runtime_type = \"io.containerd.runc.v2\"\n\n[{CRI}.containerd.default_runtime.options]\n  BinaryName = '/usr/bin/nvidia-container-runtime'\n"
        );
        std::fs::write(&config, &nvidia).unwrap();
        apply(&req, true);
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
        assert_eq!(
            v["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["default_runtime"]["options"]
                ["BinaryName"]
                .as_str(),
            Some(crate::engines::DEFAULT_SHIM_PATH)
        );
        // Configured again: nothing to do, and the record still knows
        // what was there.
        assert!(!plan_configure(&req).unwrap().changes_files());
        apply(&req, true);
        apply(&request(tmp.path(), &config), false);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), nvidia);
    }
}

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
//! With a drop-in, the runtime goes into the drop-in and the drop-in's
//! directory glob into `imports` of the main file. containerd before 2.1
//! merges an imported file by replacing each whole plugin table it names,
//! so a drop-in holding only the new runtime would drop every other CRI
//! setting of the main file (its runc runtime included). The drop-in
//! therefore holds a copy of the main file's whole CRI plugin table plus the
//! runtime; running configure again refreshes that copy.

use super::state::Record;
use super::toml_util::{self as tu, dotted};
use super::{is_shim_path, read_optional, Edit, Engine, EngineError, FileChange, Target, Wiring};
use container_hooks_core::error::FileError;
use std::path::{Path, PathBuf};
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// The runtime type of runc through containerd's v2 shim.
pub const RUNC_V2: &str = "io.containerd.runc.v2";
/// The default runtime name of containerd when the file sets none.
pub const CONTAINERD_DEFAULT_RUNTIME: &str = "runc";

/// The record of configure having written containerd's built-in runc
/// runtime.
const BUILTIN_RUNC: &str = "built-in runc runtime";

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

fn load(file: &Path) -> Result<(Option<String>, DocumentMut), FileError> {
    let text = read_optional(file)?;
    let doc = match &text {
        Some(t) => tu::parse(file, t)?,
        None => DocumentMut::new(),
    };
    Ok((text, doc))
}

fn render_change(path: &Path, before: Option<String>, doc: Option<&DocumentMut>) -> FileChange {
    let after = doc.map(tu::render);
    FileChange {
        path: path.to_path_buf(),
        before,
        after,
    }
}

/// Puts `version = N` first in a new document.
fn add_version(doc: &mut DocumentMut, v: Version) {
    doc.insert("version", toml_edit::value(v.number()));
    // Keep it first even when the document already had tables.
    let root = doc.as_table_mut();
    root.sort_values_by(|a, _, b, _| (b.get() == "version").cmp(&(a.get() == "version")));
}

/// The main file's version, adding `version = 2` to a missing or empty
/// file (with a note).
fn main_version(
    file: &Path,
    doc: &mut DocumentMut,
    existed: bool,
    record: &mut Record,
    notes: &mut Vec<String>,
) -> Result<Version, FileError> {
    if let Some(v) = detect_version(file, doc)? {
        return Ok(v);
    }
    notes.push(format!(
        "{}: the file is {}; writing a version {} config, the newest that containerd 1.6 and 1.7 read (containerd 2.x reads it too)",
        file.display(),
        if existed { "empty" } else { "missing" },
        NEW_FILE_VERSION.number()
    ));
    add_version(doc, NEW_FILE_VERSION);
    if !record.added("version") {
        record.added.push("version".into());
    }
    Ok(NEW_FILE_VERSION)
}

fn runtimes_path(v: Version) -> [&'static str; 4] {
    let [a, b] = v.cri_path();
    [a, b, "containerd", "runtimes"]
}

fn containerd_path(v: Version) -> [&'static str; 3] {
    let [a, b] = v.cri_path();
    [a, b, "containerd"]
}

fn binary_name(entry: &Table) -> Option<&str> {
    match entry.get("options") {
        Some(Item::Table(o)) => o.get("BinaryName").and_then(Item::as_str),
        _ => None,
    }
}

fn is_runc_type(t: &Table) -> bool {
    matches!(
        t.get("runtime_type").and_then(Item::as_str),
        None | Some("") | Some(RUNC_V2) | Some("io.containerd.runc.v1")
    )
}

/// The runtime whose settings the new runtime copies: the default runtime
/// when it is a runc runtime, else `runc`.
fn template<'a>(cri: &'a Table, name: &str) -> Option<&'a Table> {
    let containerd = match cri.get("containerd") {
        Some(Item::Table(c)) => c,
        _ => return None,
    };
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
    lookup(default_name).or_else(|| lookup(CONTAINERD_DEFAULT_RUNTIME))
}

/// Adds or updates the runtime and, when asked, the default runtime name,
/// in the CRI plugin of `doc`.
fn put_runtime(
    file: &Path,
    doc: &mut DocumentMut,
    v: Version,
    t: &Target,
    recorded: Option<&Record>,
    record: &mut Record,
    notes: &mut Vec<String>,
) -> Result<(), EngineError> {
    let shim = t.path.display().to_string();
    let rpath = runtimes_path(v);
    let cri_path = v.cri_path();
    let style = tu::indent_style(&doc.to_string());
    let depth = rpath.len() + 1;
    let template = match tu::table(doc.as_table(), &cri_path, file)? {
        Some(cri) => template(cri, &t.name).map(tu::copy_table),
        None => None,
    };
    let default_name = match tu::table(doc.as_table(), &containerd_path(v), file)? {
        Some(c) => {
            tu::string(c, "default_runtime_name", &containerd_path(v), file)?.map(str::to_string)
        }
        None => None,
    };
    let mut created = Vec::new();
    let runtimes = tu::table_mut(doc.as_table_mut(), &rpath, file, &mut created)?;
    // containerd replaces its built-in runtimes map with the file's as soon
    // as the file names any runtime: write the built-in runc runtime too
    // when the file relies on it, or the default runtime would vanish.
    if default_name
        .as_deref()
        .map_or(true, |d| d == CONTAINERD_DEFAULT_RUNTIME)
        && !runtimes.contains_key(CONTAINERD_DEFAULT_RUNTIME)
        && t.name != CONTAINERD_DEFAULT_RUNTIME
    {
        let mut runc = Table::new();
        tu::set_value(&mut runc, "runtime_type", Value::from(RUNC_V2));
        if v == Version::V3 {
            tu::set_value(&mut runc, "sandboxer", Value::from("podsandbox"));
        }
        tu::apply_indent(&mut runc, depth, &style, true);
        runtimes.insert(CONTAINERD_DEFAULT_RUNTIME, Item::Table(runc));
        if !record.added(BUILTIN_RUNC) {
            record.added.push(BUILTIN_RUNC.into());
        }
        notes.push(format!(
            "{}: also writing containerd's built-in runtime {:?}, which containerd drops once the file names any runtime",
            file.display(),
            CONTAINERD_DEFAULT_RUNTIME
        ));
    }
    let mut entry_path: Vec<&str> = rpath.to_vec();
    entry_path.push(&t.name);
    let ours = match runtimes.get(&t.name) {
        None => None,
        Some(Item::Table(e)) => {
            Some(recorded.is_some() || binary_name(e).is_some_and(|b| is_shim_path(b, &t.path)))
        }
        Some(_) => Some(false),
    };
    match ours {
        Some(true) => {
            if let Some(Item::Table(e)) = runtimes.get_mut(&t.name) {
                tu::set_value(e, "runtime_type", Value::from(RUNC_V2));
                let mut c = Vec::new();
                let mut opt_path = entry_path.clone();
                opt_path.push("options");
                let options = tu::table_mut(e, &["options"], file, &mut c)?;
                tu::set_value(options, "BinaryName", Value::from(shim.as_str()));
                if !c.is_empty() {
                    options.set_implicit(false);
                    tu::apply_indent(options, depth + 1, &style, true);
                }
            }
        }
        Some(false) if !t.force => {
            return Err(EngineError::Clash {
                file: file.to_path_buf(),
                field: dotted(&entry_path),
                shim,
            });
        }
        other => {
            if other == Some(false) {
                if let Some(Item::Table(old)) = runtimes.get(&t.name) {
                    record.replaced = Some(tu::table_to_record(old));
                }
                notes.push(format!(
                    "{}: replacing {} because of --force; remove puts it back",
                    file.display(),
                    dotted(&entry_path)
                ));
            }
            let fresh = template.is_none();
            let mut e = template.unwrap_or_default();
            e.set_implicit(false);
            tu::set_value(&mut e, "runtime_type", Value::from(RUNC_V2));
            let mut c = Vec::new();
            let options = tu::table_mut(&mut e, &["options"], file, &mut c)?;
            options.set_implicit(false);
            tu::set_value(options, "BinaryName", Value::from(shim.as_str()));
            if !fresh && !c.is_empty() {
                tu::apply_indent(options, depth + 1, &style, true);
            }
            if fresh {
                tu::apply_indent(&mut e, depth, &style, true);
            }
            runtimes.insert(&t.name, Item::Table(e));
        }
    }
    record.note_created_tables(created);
    let cpath = containerd_path(v);
    let new_header = tu::configure_default(
        doc.as_table_mut(),
        &cpath,
        "default_runtime_name",
        file,
        t,
        recorded,
        record,
    )?;
    if new_header {
        let c = tu::table_mut(doc.as_table_mut(), &cpath, file, &mut Vec::new())?;
        tu::apply_indent(c, cpath.len(), &style, false);
    }
    if t.set_as_default && v == Version::V1 {
        if let Some(Item::Table(d)) =
            tu::table(doc.as_table(), &cpath, file)?.and_then(|c| c.get("default_runtime"))
        {
            if d.get("runtime_type")
                .and_then(Item::as_str)
                .is_some_and(|s| !s.is_empty())
            {
                notes.push(format!(
                    "{}: {} is set, and containerd uses it in place of default_runtime_name; remove that table for {:?} to become the default",
                    file.display(),
                    dotted(&[cpath[0], cpath[1], cpath[2], "default_runtime"]),
                    t.name
                ));
            }
        }
    }
    Ok(())
}

/// Takes the runtime out of `doc` and restores the default runtime name.
/// Returns whether anything changed.
fn take_runtime(
    file: &Path,
    doc: &mut DocumentMut,
    v: Version,
    t: &Target,
    recorded: Option<&Record>,
    notes: &mut Vec<String>,
) -> Result<bool, EngineError> {
    let rpath = runtimes_path(v);
    let mut changed = false;
    let created = |p: &[&str]| recorded.is_some_and(|r| r.added(&format!("table {}", dotted(p))));
    if let Some(runtimes) = tu::table(doc.as_table(), &rpath, file)? {
        let ours = match runtimes.get(&t.name) {
            Some(Item::Table(e)) => {
                recorded.is_some() || binary_name(e).is_some_and(|b| is_shim_path(b, &t.path))
            }
            Some(_) => false,
            None => {
                changed = false;
                false
            }
        };
        if !ours && runtimes.contains_key(&t.name) {
            notes.push(format!(
                "{}: {}.{} does not run the shim; left in place",
                file.display(),
                dotted(&rpath),
                t.name
            ));
        }
        if ours {
            let runtimes = tu::table_mut(doc.as_table_mut(), &rpath, file, &mut Vec::new())?;
            tu::restore_replaced(runtimes, &t.name, recorded);
            changed = true;
            if recorded.is_some_and(|r| r.added(BUILTIN_RUNC)) {
                let runtimes = tu::table_mut(doc.as_table_mut(), &rpath, file, &mut Vec::new())?;
                runtimes.remove(CONTAINERD_DEFAULT_RUNTIME);
            }
        }
    }
    let cpath = containerd_path(v);
    changed |= tu::restore_default(
        doc.as_table_mut(),
        &cpath,
        "default_runtime_name",
        file,
        &t.name,
        recorded,
    )?;
    if changed {
        tu::prune(doc.as_table_mut(), &rpath, &created);
    }
    Ok(changed)
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

pub(crate) fn configure(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let file = &t.config;
    let (before, mut doc) = load(&t.on_disk(file))?;
    let mut notes = Vec::new();
    let mut record = Record::new(Engine::Containerd, file, &t.name, &t.path);
    if let Some(r) = recorded {
        record.created_files = r.created_files.clone();
        record.added = r.added.clone();
        record.replaced = r.replaced.clone();
    }
    if before.is_none() && !record.created(file) {
        record.created_files.push(file.clone());
    }
    let version = main_version(file, &mut doc, before.is_some(), &mut record, &mut notes)?;
    let Some(drop_in) = &t.drop_in else {
        put_runtime(
            file,
            &mut doc,
            version,
            t,
            recorded,
            &mut record,
            &mut notes,
        )?;
        let after = tu::render(&doc);
        let change = FileChange::rewritten(file, before, after);
        return Ok(Edit {
            files: vec![change],
            notes,
            record: Some(record),
        });
    };
    if drop_in == file {
        return Err(EngineError::Usage(format!(
            "--drop-in {}: the drop-in must be another file than --config",
            drop_in.display()
        )));
    }
    record.drop_in = Some(drop_in.clone());
    // imports in the main file.
    let glob = import_glob(drop_in);
    match doc.get_mut("imports") {
        None => {
            let mut a = Array::new();
            a.push(glob.as_str());
            doc.insert("imports", toml_edit::value(a));
            if !record.added("imports") {
                record.added.push("imports".into());
            }
        }
        Some(Item::Value(Value::Array(a))) => {
            if !imports_cover(a, drop_in, &glob) {
                a.push(glob.as_str());
                let key = format!("imports entry {glob}");
                if !record.added(&key) {
                    record.added.push(key);
                }
            }
        }
        Some(other) => {
            return Err(FileError::new(
                file,
                format!("imports is a {}, not an array", tu::kind(other)),
            )
            .into());
        }
    }
    // The drop-in: a copy of the main CRI table plus the runtime.
    let (din_before, mut din) = load(&t.on_disk(drop_in))?;
    if din_before.is_none() && !record.created(drop_in) {
        record.created_files.push(drop_in.clone());
    }
    match detect_version(drop_in, &din)? {
        None => {
            if version != Version::V1 {
                add_version(&mut din, version);
                if !record.added("drop-in version") {
                    record.added.push("drop-in version".into());
                }
            }
        }
        Some(dv) if dv != version => {
            return Err(FileError::new(
                drop_in,
                format!(
                    "version = {} differs from version = {} of {}",
                    dv.number(),
                    version.number(),
                    file.display()
                ),
            )
            .into());
        }
        Some(_) => {}
    }
    let cri_path = version.cri_path();
    let has_cri = tu::table(din.as_table(), &cri_path, drop_in)?.is_some();
    if !has_cri || record.added("plugin copy") {
        let copy = tu::table(doc.as_table(), &cri_path, file)?.map(tu::copy_table);
        let mut created = Vec::new();
        let plugins = tu::table_mut(din.as_table_mut(), &cri_path[..1], drop_in, &mut created)?;
        let mut table = copy.unwrap_or_default();
        table.set_implicit(false);
        plugins.insert(cri_path[1], Item::Table(table));
        if !record.added("plugin copy") {
            record.added.push("plugin copy".into());
        }
        notes.push(format!(
            "{}: holds a copy of {} from {}, because containerd before 2.1 replaces a whole plugin table when it imports a file; run configure again after changing that table in {}",
            drop_in.display(),
            dotted(&cri_path),
            file.display(),
            file.display()
        ));
    }
    put_runtime(
        drop_in,
        &mut din,
        version,
        t,
        recorded,
        &mut record,
        &mut notes,
    )?;
    let main_after = tu::render(&doc);
    let din_after = tu::render(&din);
    Ok(Edit {
        files: vec![
            FileChange {
                path: drop_in.clone(),
                after: if din_before.as_deref() == Some(din_after.as_str()) {
                    din_before.clone()
                } else {
                    Some(din_after)
                },
                before: din_before,
            },
            FileChange {
                path: file.clone(),
                after: if before.as_deref() == Some(main_after.as_str()) {
                    before.clone()
                } else {
                    Some(main_after)
                },
                before,
            },
        ],
        notes,
        record: Some(record),
    })
}

/// Drops `version` when configure added it and nothing else is left;
/// returns the document to write, or None to delete a file configure
/// created.
fn finish<'a>(
    doc: &'a mut DocumentMut,
    file: &Path,
    version_key: &str,
    recorded: Option<&Record>,
) -> Option<&'a DocumentMut> {
    let added_version = recorded.is_some_and(|r| r.added(version_key));
    if added_version {
        let only_version = doc
            .iter()
            .all(|(k, i)| k == "version" || matches!(i, Item::Table(t) if tu::is_empty_table(t)));
        if only_version {
            doc.remove("version");
            doc.as_table_mut().retain(|_, _| false);
        }
    }
    if recorded.is_some_and(|r| r.created(file)) && tu::doc_is_empty(doc) {
        None
    } else {
        Some(doc)
    }
}

pub(crate) fn remove(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let file = &t.config;
    let mut notes = Vec::new();
    let (before, mut doc) = load(&t.on_disk(file))?;
    let Some(drop_in) = &t.drop_in else {
        if before.is_none() {
            return Ok(Edit {
                files: vec![render_change(file, None, None)],
                notes,
                record: None,
            });
        }
        let version = detect_version(file, &doc)?.unwrap_or(NEW_FILE_VERSION);
        let changed = take_runtime(file, &mut doc, version, t, recorded, &mut notes)?;
        let change = if changed {
            let after = finish(&mut doc, file, "version", recorded).map(tu::render);
            FileChange {
                path: file.clone(),
                before,
                after,
            }
        } else {
            FileChange::unchanged(file, before)
        };
        return Ok(Edit {
            files: vec![change],
            notes,
            record: None,
        });
    };
    let version = detect_version(file, &doc)?.unwrap_or(NEW_FILE_VERSION);
    let (din_before, mut din) = load(&t.on_disk(drop_in))?;
    let mut files = Vec::new();
    if din_before.is_some() {
        let dversion = detect_version(drop_in, &din)?.unwrap_or(version);
        let mut changed = take_runtime(drop_in, &mut din, dversion, t, recorded, &mut notes)?;
        if recorded.is_some_and(|r| r.added("plugin copy")) {
            let cri_path = dversion.cri_path();
            if let Some(Item::Table(p)) = din.get_mut(cri_path[0]) {
                p.remove(cri_path[1]);
                changed = true;
            }
            let keep = |_: &[&str]| false;
            tu::prune(din.as_table_mut(), &cri_path[..1], &keep);
            if let Some(Item::Table(p)) = din.get(cri_path[0]) {
                if tu::is_empty_table(p) && recorded.is_some_and(|r| r.created(drop_in)) {
                    din.remove(cri_path[0]);
                }
            }
        }
        let change = if changed {
            let after = finish(&mut din, drop_in, "drop-in version", recorded).map(tu::render);
            FileChange {
                path: drop_in.clone(),
                before: din_before,
                after,
            }
        } else {
            FileChange {
                path: drop_in.clone(),
                after: din_before.clone(),
                before: din_before,
            }
        };
        files.push(change);
    } else {
        files.push(render_change(drop_in, None, None));
    }
    // The main file: the imports entry configure added.
    let mut changed = false;
    if let Some(r) = recorded {
        let glob = import_glob(drop_in);
        if let Some(Item::Value(Value::Array(a))) = doc.get_mut("imports") {
            if r.added("imports") || r.added(&format!("imports entry {glob}")) {
                let before_len = a.len();
                a.retain(|v| v.as_str() != Some(glob.as_str()));
                changed |= a.len() != before_len;
                if r.added("imports") && a.is_empty() {
                    doc.remove("imports");
                    changed = true;
                }
            }
        }
    }
    let change = if changed {
        let after = finish(&mut doc, file, "version", recorded).map(tu::render);
        FileChange {
            path: file.clone(),
            before,
            after,
        }
    } else {
        FileChange::unchanged(file, before)
    };
    files.push(change);
    Ok(Edit {
        files,
        notes,
        record: None,
    })
}

fn wiring_of(file: &Path, w: &mut Wiring) -> Result<(), EngineError> {
    let (text, doc) = load(file)?;
    if text.is_none() {
        return Ok(());
    }
    let v = detect_version(file, &doc)?.unwrap_or(NEW_FILE_VERSION);
    if let Some(r) = tu::table(doc.as_table(), &runtimes_path(v), file)? {
        for (name, item) in r.iter() {
            if let Item::Table(e) = item {
                if let Some(b) = binary_name(e) {
                    if is_shim_path(b, Path::new(super::DEFAULT_SHIM_PATH)) {
                        w.shim_runtimes.retain(|(n, _)| n != name);
                        w.shim_runtimes.push((name.to_string(), b.to_string()));
                    }
                }
            }
        }
    }
    let cpath = containerd_path(v);
    if let Some(c) = tu::table(doc.as_table(), &cpath, file)? {
        if let Some(d) = tu::string(c, "default_runtime_name", &cpath, file)? {
            w.default_runtime = Some(d.to_string());
        }
    }
    Ok(())
}

pub(crate) fn wiring(file: &Path, drop_in: Option<&Path>) -> Result<Wiring, EngineError> {
    let mut w = Wiring::default();
    wiring_of(file, &mut w)?;
    if let Some(d) = drop_in {
        wiring_of(d, &mut w)?;
    }
    if w.default_runtime.is_none() && read_optional(file)?.is_some() {
        w.default_runtime = Some(CONTAINERD_DEFAULT_RUNTIME.to_string());
    }
    Ok(w)
}

/// The drop-in path a package would use for containerd.
pub fn suggested_drop_in() -> PathBuf {
    PathBuf::from("/etc/containerd/conf.d/99-container-hooks.toml")
}

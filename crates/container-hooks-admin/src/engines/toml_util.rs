//! toml_edit helpers shared by the TOML engines: parsing with line and
//! column in errors, walking and creating tables, copying a table with its
//! indentation but without its comments, pruning what was added.

use container_hooks_core::config::line_col;
use container_hooks_core::error::FileError;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Key, Table, Value};

/// Parses a TOML text; a syntax error names the line and column.
pub fn parse(path: &Path, text: &str) -> Result<DocumentMut, FileError> {
    text.parse::<DocumentMut>().map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        let fault = match e.span() {
            Some(span) => {
                let (line, col) = line_col(text, span.start);
                format!("TOML syntax error at line {line}, column {col}: {message}")
            }
            None => format!("TOML syntax error: {message}"),
        };
        FileError::new(path, fault)
    })
}

/// Parses a TOML text; no text (a missing file) is an empty document.
pub fn parse_or_new(path: &Path, text: Option<&str>) -> Result<DocumentMut, FileError> {
    match text {
        Some(t) => parse(path, t),
        None => Ok(DocumentMut::new()),
    }
}

/// A dotted key path as TOML writes it (`plugins."io.containerd.grpc.v1.cri"`).
pub fn dotted(path: &[&str]) -> String {
    path.iter()
        .map(|s| {
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                s.to_string()
            } else {
                format!("{s:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The TOML type of an item, for errors.
pub fn kind(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "table",
        Item::ArrayOfTables(_) => "array of tables",
        Item::Value(v) => match v {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Boolean(_) => "boolean",
            Value::Datetime(_) => "datetime",
            Value::Array(_) => "array",
            Value::InlineTable(_) => "inline table",
        },
    }
}

fn not_a_table(file: &Path, path: &[&str], item: &Item) -> FileError {
    FileError::new(
        file,
        format!("{} is a {}, not a table", dotted(path), kind(item)),
    )
}

/// The table at `path`, if every part of it exists; an existing part that
/// is not a table is an error.
pub fn table<'a>(
    root: &'a Table,
    path: &[&str],
    file: &Path,
) -> Result<Option<&'a Table>, FileError> {
    let mut t = root;
    for (i, part) in path.iter().enumerate() {
        match t.get(part) {
            None => return Ok(None),
            Some(Item::Table(next)) => t = next,
            Some(other) => return Err(not_a_table(file, &path[..=i], other)),
        }
    }
    Ok(Some(t))
}

/// The table at `path`, creating missing parts as implicit tables (not
/// printed unless they get keys of their own); the keys of the tables
/// created are pushed to `created`.
pub fn table_mut<'a>(
    root: &'a mut Table,
    path: &[&str],
    file: &Path,
    created: &mut Vec<Vec<String>>,
) -> Result<&'a mut Table, FileError> {
    let mut t = root;
    for (i, part) in path.iter().enumerate() {
        if !t.contains_key(part) {
            created.push(path[..=i].iter().map(|k| k.to_string()).collect());
            let mut new = Table::new();
            new.set_implicit(true);
            t.insert(part, Item::Table(new));
        }
        let item = t
            .get_mut(part)
            .ok_or_else(|| not_a_table(file, &path[..=i], &Item::None))?;
        match item {
            Item::Table(next) => t = next,
            other => return Err(not_a_table(file, &path[..=i], other)),
        }
    }
    Ok(t)
}

/// A string value at `key` of a table; another type is an error.
pub fn string<'a>(
    t: &'a Table,
    key: &str,
    path: &[&str],
    file: &Path,
) -> Result<Option<&'a str>, FileError> {
    match t.get(key) {
        None => Ok(None),
        Some(Item::Value(Value::String(s))) => Ok(Some(s.value())),
        Some(other) => {
            let mut p = path.to_vec();
            p.push(key);
            Err(FileError::new(
                file,
                format!("{} is a {}, not a string", dotted(&p), kind(other)),
            ))
        }
    }
}

/// The whitespace on the last line of a decor prefix: the indentation,
/// without any comment lines above it.
fn indentation(prefix: Option<&str>) -> String {
    let p = prefix.unwrap_or("");
    p.rsplit('\n').next().unwrap_or("").to_string()
}

fn prefix_of(decor: &toml_edit::Decor) -> Option<String> {
    decor.prefix().and_then(|p| p.as_str()).map(str::to_string)
}

/// A copy of `src` as a new table: its keys, values and sub-tables with the
/// same indentation, without comments and without document positions (so
/// the copy is placed where it is inserted).
pub fn copy_table(src: &Table) -> Table {
    let mut out = Table::new();
    out.set_implicit(src.is_implicit());
    out.set_dotted(src.is_dotted());
    let header = prefix_of(src.decor());
    out.decor_mut()
        .set_prefix(format!("\n{}", indentation(header.as_deref())));
    for (key, item) in src.iter() {
        let Some(k) = src.key(key) else { continue };
        let mut k: Key = k.clone();
        let indent = indentation(prefix_of(k.leaf_decor()).as_deref());
        k.leaf_decor_mut().set_prefix(indent);
        let item = match item {
            Item::Table(sub) => Item::Table(copy_table(sub)),
            other => other.clone(),
        };
        out.insert_formatted(&k, item);
    }
    out
}

/// Sets `key = value` in a table; a new key gets the indentation of the
/// table's other keys.
pub fn set_value(t: &mut Table, key: &str, value: Value) {
    if let Some(Item::Value(old)) = t.get_mut(key) {
        let decor = old.decor().clone();
        let value = same_quotes(old, value);
        *old = value;
        *old.decor_mut() = decor;
        return;
    }
    let indent = t
        .iter()
        .find(|(_, i)| i.is_value())
        .and_then(|(k, _)| t.key(k))
        .map(|k| indentation(prefix_of(k.leaf_decor()).as_deref()))
        .unwrap_or_default();
    let mut k = Key::new(key);
    k.leaf_decor_mut().set_prefix(indent);
    let mut v = value;
    v.decor_mut().set_prefix(" ");
    t.insert_formatted(&k, Item::Value(v));
}

/// A new string value in the quote style of the old one ('literal' or
/// "basic"), when it can be written so.
fn same_quotes(old: &Value, new: Value) -> Value {
    let literal = matches!(old, Value::String(s) if s.display_repr().starts_with('\''));
    match &new {
        Value::String(s) if literal && !s.value().contains(['\'', '\n']) => {
            format!("'{}'", s.value()).parse::<Value>().unwrap_or(new)
        }
        _ => new,
    }
}

/// How a file indents its tables, so new tables look like their
/// neighbours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indent {
    /// No indentation.
    None,
    /// Headers at the left margin, keys indented by this.
    Keys(String),
    /// `containerd config default` style: a table of N dotted parts has its
    /// header indented by 2*(N-1) spaces and its keys by 2*N.
    Nested,
}

/// The indentation style of a TOML text.
pub fn indent_style(text: &str) -> Indent {
    let mut keys = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let ws = &line[..line.len() - trimmed.len()];
        if trimmed.starts_with('[') && !ws.is_empty() {
            return Indent::Nested;
        }
        if !trimmed.starts_with('[') && !ws.is_empty() && keys.is_none() && trimmed.contains('=') {
            keys = Some(ws.to_string());
        }
    }
    keys.map_or(Indent::None, Indent::Keys)
}

/// Gives a table made here (and its sub-tables) the file's indentation;
/// `depth` is the number of parts of the table's dotted name.
pub fn apply_indent(t: &mut Table, depth: usize, style: &Indent, recurse: bool) {
    let (header, keys) = match style {
        Indent::None => return,
        Indent::Keys(k) => (String::new(), k.clone()),
        Indent::Nested => (
            " ".repeat(2 * depth.saturating_sub(1)),
            " ".repeat(2 * depth),
        ),
    };
    t.decor_mut().set_prefix(format!("\n{header}"));
    let names: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
    for name in names {
        if let Some(Item::Table(sub)) = t.get_mut(&name) {
            if recurse {
                apply_indent(sub, depth + 1, style, true);
            }
        } else if let Some(mut k) = t.key_mut(&name) {
            k.leaf_decor_mut().set_prefix(keys.clone());
        }
    }
}

/// Whether a table holds nothing (no keys, no non-empty sub-tables).
pub fn is_empty_table(t: &Table) -> bool {
    t.iter().all(|(_, i)| match i {
        Item::Table(sub) => is_empty_table(sub) && sub.is_implicit(),
        Item::None => true,
        _ => false,
    })
}

/// Removes the tables along `path` that are empty and either implicit (no
/// header of their own) or `created` (added by configure), deepest first.
pub fn prune(root: &mut Table, path: &[&str], created: &dyn Fn(&[&str]) -> bool) {
    prune_at(root, path, 0, created);
}

fn prune_at(t: &mut Table, path: &[&str], depth: usize, created: &dyn Fn(&[&str]) -> bool) {
    let Some(part) = path.get(depth) else { return };
    if let Some(Item::Table(sub)) = t.get_mut(part) {
        prune_at(sub, path, depth + 1, created);
    }
    let here = &path[..=depth];
    let empty = matches!(t.get(part), Some(Item::Table(sub)) if (sub.is_implicit() || created(here)) && is_empty_table(sub));
    if empty {
        t.remove(part);
    }
}

/// An entry's text, to record it: a small document holding it as `entry`.
pub fn item_to_record(item: &Item) -> String {
    let mut doc = DocumentMut::new();
    doc.insert("entry", item.clone());
    doc.to_string()
}

/// Reads back an entry recorded by [`item_to_record`], or a bare value (as
/// release 0.1.0 recorded Podman's entries).
pub fn item_from_record(text: &str) -> Option<Item> {
    match text
        .parse::<DocumentMut>()
        .ok()
        .and_then(|d| d.get("entry").cloned())
    {
        Some(Item::Table(t)) => Some(Item::Table(copy_table(&t))),
        Some(Item::Value(mut v)) => {
            v.decor_mut().set_prefix(" ");
            Some(Item::Value(v))
        }
        _ => text.trim().parse::<Value>().ok().map(Item::Value),
    }
}

/// The TOML document as text; an empty document is an empty string.
pub fn render(doc: &DocumentMut) -> String {
    doc.to_string()
}

/// Whether a document holds nothing but whitespace and comments.
pub fn doc_is_empty(doc: &DocumentMut) -> bool {
    is_empty_table(doc.as_table())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = parse(Path::new("/x.toml"), "a = 1\nb = \n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/x.toml: TOML syntax error at line 2, column"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn copy_drops_comments_keeps_indentation() {
        let doc = parse(
            Path::new("x"),
            "[a]\n  # note\n  [a.b]\n    # about k\n    k = 1\n    [a.b.o]\n      x = true\n",
        )
        .unwrap();
        let b = table(doc.as_table(), &["a", "b"], Path::new("x"))
            .unwrap()
            .unwrap();
        let mut out = parse(Path::new("y"), "[a]\n").unwrap();
        let a = table_mut(out.as_table_mut(), &["a"], Path::new("y"), &mut Vec::new()).unwrap();
        a.insert("c", Item::Table(copy_table(b)));
        assert_eq!(
            out.to_string(),
            "[a]\n\n  [a.c]\n    k = 1\n\n    [a.c.o]\n      x = true\n"
        );
    }
}

//! The man pages as a reader gets them: formatted by man(1) for an
//! 80-column terminal in a UTF-8 locale, checked by groff and mandoc for
//! warnings, with headers and footers that do not run together, the
//! sections a reader looks for, examples that come out character for
//! character as written (so they paste), and the config.toml page in step
//! with the keys the shim reads.

use integration_tests::repo_root;
use integration_tests::{ctk, require, run, run_ok};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every page in man/: the generated section 1 pages and the section 5
/// pages written by hand.
fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = fs::read_dir(repo_root().join("man"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    pages.sort();
    assert!(
        pages.iter().any(|p| p.extension().unwrap() == "1")
            && pages.iter().any(|p| p.extension().unwrap() == "5"),
        "{pages:?}"
    );
    pages
}

/// `name` and `section` of a page file.
fn name_and_section(page: &Path) -> (String, String) {
    let file = page.file_name().unwrap().to_str().unwrap();
    let (name, section) = file.rsplit_once('.').unwrap();
    (name.to_string(), section.to_string())
}

/// The page as man(1) prints it at `width` columns, and what it printed on
/// standard error.
fn render(page: &Path, width: u32) -> (String, String) {
    let out = run(Command::new(require("man"))
        .env("MANWIDTH", width.to_string())
        .env("LC_ALL", "C.UTF-8")
        .env_remove("MANPAGER")
        .env_remove("PAGER")
        .args(["--warnings", "-E", "UTF-8", "-l"])
        .arg(page));
    assert!(out.status.success(), "man -l {}: {out:?}", page.display());
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_page_formats_at_80_columns_without_warnings() {
    for page in pages() {
        let (text, stderr) = render(&page, 80);
        assert!(stderr.is_empty(), "man -l {}: {stderr}", page.display());
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{}: a line wider than 80 columns:\n{line}",
                page.display()
            );
        }
        let groff = run(Command::new(require("groff"))
            .args(["-ww", "-z", "-man"])
            .arg(&page));
        assert!(
            groff.status.success() && groff.stderr.is_empty(),
            "groff -ww {}: {}",
            page.display(),
            String::from_utf8_lossy(&groff.stderr)
        );
        let mandoc = run(Command::new(require("mandoc")).arg("-Tlint").arg(&page));
        assert!(
            mandoc.status.success() && mandoc.stdout.is_empty() && mandoc.stderr.is_empty(),
            "mandoc -Tlint {}: {}{}",
            page.display(),
            String::from_utf8_lossy(&mandoc.stdout),
            String::from_utf8_lossy(&mandoc.stderr)
        );
    }
}

/// The parts of a header or footer line: text separated by at least two
/// spaces.
fn parts(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

/// The newest entry's date in debian/changelog, as YYYY-MM-DD.
fn release_date() -> String {
    let text = fs::read_to_string(repo_root().join("debian/changelog")).unwrap();
    let trailer = text.lines().find(|l| l.starts_with(" -- ")).unwrap();
    let date = trailer.rsplit_once(">  ").unwrap().1;
    let out = run_ok(Command::new("date").args(["-u", "-d", date, "+%Y-%m-%d"]));
    out.trim().to_string()
}

#[test]
fn headers_and_footers_keep_apart_and_name_the_page_version_and_date() {
    let version = format!("container-hooks-toolkit {}", env!("CARGO_PKG_VERSION"));
    let date = release_date();
    for page in pages() {
        let (name, section) = name_and_section(&page);
        let title = format!("{}({section})", name.to_uppercase());
        // Wide enough for everything: the whole title, twice.
        let (wide, _) = render(&page, 200);
        let lines: Vec<&str> = wide.lines().collect();
        assert_eq!(
            parts(lines[0]),
            [title.clone(), title.clone()],
            "{}",
            page.display()
        );
        assert_eq!(
            parts(lines[lines.len() - 1]),
            [version.clone(), date.clone(), title.clone()],
            "{}",
            page.display()
        );
        // 80 columns: nothing runs together; a title too wide is shortened
        // in the middle, a footer without room for it leaves it out.
        let (text, _) = render(&page, 80);
        let lines: Vec<&str> = text.lines().collect();
        let head = parts(lines[0]);
        assert_eq!(head.len(), 2, "{}: {:?}", page.display(), lines[0]);
        assert_eq!(head[0], head[1], "{}: {:?}", page.display(), lines[0]);
        if head[0] != title {
            let (start, end) = head[0].split_once("...").unwrap_or_else(|| {
                panic!("{}: header {:?} is not {title}", page.display(), lines[0])
            });
            assert!(
                title.starts_with(start) && title.ends_with(end),
                "{}: {:?}",
                page.display(),
                lines[0]
            );
        }
        let foot = parts(lines[lines.len() - 1]);
        assert!(
            foot == [version.clone(), date.clone(), head[0].clone()]
                || foot == [version.clone(), date.clone()],
            "{}: footer {:?}",
            page.display(),
            lines[lines.len() - 1]
        );
    }
}

/// The section headings of a formatted page, in order.
fn headings(text: &str) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .map(String::from)
        .collect::<Vec<_>>()
        .split_last()
        .map(|(_, rest)| rest.to_vec())
        .unwrap_or_default()
}

#[test]
fn every_page_has_the_sections_a_reader_looks_for() {
    for page in pages() {
        let (_, section) = name_and_section(&page);
        let (text, _) = render(&page, 80);
        let h = headings(&text);
        let mut want = vec!["NAME", "SYNOPSIS", "DESCRIPTION"];
        if section == "1" {
            want.extend(["OPTIONS", "EXIT STATUS", "SEE ALSO"]);
        } else {
            want.extend(["FILES", "EXAMPLES", "SEE ALSO"]);
        }
        for w in want {
            assert!(
                h.iter().any(|x| x == w),
                "{} lacks {w}: {h:?}",
                page.display()
            );
        }
        assert!(!h.iter().any(|x| x == "EXTRA"), "{}: {h:?}", page.display());
        assert_eq!(h[0], "NAME", "{}", page.display());
    }
    // The programs that read config.toml and the state say so.
    for (page, sections) in [
        ("container-hooks-runtime.1", &["FILES", "ENVIRONMENT"][..]),
        ("container-hooks-ctk.1", &["FILES", "ENVIRONMENT"]),
        (
            "container-hooks-ctk-runtime-configure.1",
            &["FILES", "ENVIRONMENT", "EXAMPLES"],
        ),
        (
            "container-hooks-ctk-hooks-validate.1",
            &["FILES", "ENVIRONMENT", "EXAMPLES"],
        ),
    ] {
        let (text, _) = render(&repo_root().join("man").join(page), 80);
        let h = headings(&text);
        for s in sections {
            assert!(h.iter().any(|x| x == s), "{page} lacks {s}: {h:?}");
        }
    }
}

/// Undoes the escapes of an example line in the page source.
fn unescape(line: &str) -> String {
    line.trim_start_matches("\\&")
        .replace("\\-", "-")
        .replace("\\(aq", "'")
        .replace("\\(ga", "`")
        .replace("\\(ha", "^")
        .replace("\\(ti", "~")
        .replace("\\e", "\\")
}

/// The lines of every `.EX`/`.EE` block of a page source.
fn example_blocks(source: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in source.lines() {
        match (line, current.as_mut()) {
            (".EX", None) => current = Some(Vec::new()),
            (".EE", Some(_)) => blocks.push(current.take().unwrap()),
            (l, Some(block)) => block.push(l.to_string()),
            _ => {}
        }
    }
    blocks
}

#[test]
fn examples_come_out_verbatim() {
    let mut seen = 0;
    for page in pages() {
        let source = fs::read_to_string(&page).unwrap();
        let (text, _) = render(&page, 80);
        let rendered: Vec<&str> = text.lines().collect();
        for block in example_blocks(&source) {
            // groff 1.23 prints a bare - as a hyphen and ' as a curly quote:
            // in an example each must be escaped.
            for line in &block {
                let bare = line
                    .replace("\\-", "")
                    .replace("\\(aq", "")
                    .replace("\\(ga", "");
                assert!(
                    !bare.contains(['-', '\'', '`']) && !line.starts_with('.'),
                    "{}: example line not escaped: {line}",
                    page.display()
                );
            }
            let want: Vec<String> = block.iter().map(|l| unescape(l)).collect();
            // The block's lines, consecutive, at one indentation.
            let found = rendered.windows(want.len()).any(|w| {
                let indent = w[0].len() - w[0].trim_start().len();
                w.iter().zip(&want).all(|(got, want)| {
                    (got.is_empty() && want.is_empty())
                        || (got.len() >= indent && &got[indent..] == want)
                })
            });
            assert!(
                found,
                "{}: the example does not come out verbatim:\n{}\n--- rendered:\n{text}",
                page.display(),
                want.join("\n")
            );
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} examples");
}

/// The example commands of `--help` (indented lines after an `Example`
/// heading).
fn help_examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_examples = false;
    for line in help.lines() {
        if line.starts_with("Example") {
            in_examples = true;
        } else if in_examples && line.starts_with("  ") {
            out.push(line.trim().to_string());
        } else if !line.trim().is_empty() {
            in_examples = false;
        }
    }
    out
}

/// The commands of a formatted page's EXAMPLES section, lines continued
/// with a backslash joined.
fn page_commands(text: &str) -> Vec<String> {
    let section: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "EXAMPLES")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for line in section {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        match t.strip_suffix(" \\") {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(t);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    out
}

#[test]
fn every_example_of_help_is_in_the_man_page_as_one_pasteable_command() {
    let mut checked = 0;
    for page in pages() {
        let (name, section) = name_and_section(&page);
        let Some(words) = name.strip_prefix("container-hooks-ctk") else {
            continue;
        };
        if section != "1" {
            continue;
        }
        let args: Vec<&str> = words.split('-').filter(|w| !w.is_empty()).collect();
        // Wide, so that clap does not wrap the examples of --help.
        let help = run_ok(ctk().env("COLUMNS", "1000").args(&args).arg("--help"));
        let (text, _) = render(&page, 80);
        let commands = page_commands(&text);
        for example in help_examples(&help) {
            assert!(
                commands.contains(&example),
                "{}: `{example}` of --help is not an example of the page: {commands:#?}",
                page.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} examples");
}

/// A TOML value as the config page writes a default.
fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        toml::Value::Array(a) => format!(
            "[{}]",
            a.iter().map(toml_text).collect::<Vec<_>>().join(", ")
        ),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Integer(i) => i.to_string(),
        other => panic!("no default of this type in config.toml: {other:?}"),
    }
}

#[test]
fn config_page_documents_every_key_with_its_default() {
    let defaults: toml::Table = toml::from_str(container_hooks_core::config::DEFAULT_TOML).unwrap();
    let (text, _) = render(&repo_root().join("man/container-hooks-config.toml.5"), 80);
    // Subsection "[table]: ..." → the text of each "key = type" entry.
    let mut documented: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut table = String::new();
    let mut key: Option<String> = None;
    for line in text
        .lines()
        .skip_while(|l| *l != "KEYS")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
    {
        if let Some(t) = line.strip_prefix("   [") {
            table = t.split_once(']').unwrap().0.to_string();
            key = None;
        } else if line.starts_with("       ") && !line.starts_with("        ") {
            let k = line.trim().split_once(" = ").unwrap().0.to_string();
            documented.insert((table.clone(), k.clone()), String::new());
            key = Some(k);
        } else if let Some(k) = &key {
            let entry = documented.get_mut(&(table.clone(), k.clone())).unwrap();
            entry.push(' ');
            entry.push_str(line.trim());
        }
    }
    let mut want = Vec::new();
    for (table, keys) in &defaults {
        for (k, v) in keys.as_table().unwrap() {
            want.push((table.clone(), k.clone()));
            let entry = documented
                .get(&(table.clone(), k.clone()))
                .unwrap_or_else(|| panic!("[{table}] {k} is not documented: {documented:#?}"));
            let default = format!("Default: {}.", toml_text(v));
            assert!(
                entry.contains(&default),
                "[{table}] {k}: no `{default}` in {entry:?}"
            );
        }
    }
    let mut have: Vec<_> = documented.keys().cloned().collect();
    have.sort();
    want.sort();
    assert_eq!(have, want, "documented keys differ from the config's keys");
}

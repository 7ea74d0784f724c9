//! Man pages.
//!
//! Section 1 is rendered from the clap definitions: one page per command
//! and visible subcommand, named `<command>-<subcommand>...`, with NAME,
//! SYNOPSIS, DESCRIPTION, OPTIONS, COMMANDS, the notes of
//! `container_hooks_ctk::docs::page_notes` (EXIT STATUS, ENVIRONMENT,
//! FILES, SEE ALSO) and the examples of each command's `after_help` in
//! no-fill blocks, so they are never reflowed or hyphenated.
//!
//! Pages of other sections (the file formats, section 5) are written by
//! hand in `man/`. Their header, everything before the first `.SH`, is
//! generated like that of the section 1 pages, so every page takes its
//! title, date and version from one place: the version from the workspace,
//! the date from the newest entry of `debian/changelog`.

use crate::changelog;
use anyhow::{Context, Result};
use clap::{Arg, Command};
use container_hooks_ctk::docs::{page_notes, PageNotes};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The line length man(1) formats for an 80-column terminal.
pub const LINE: usize = 78;
/// The indentation of a section's text.
const INDENT: usize = 7;
/// Input text lines are wrapped at this many bytes.
const SOURCE_WIDTH: usize = 78;
/// The package, as the page footer names it.
const PACKAGE: &str = "container-hooks-toolkit";

/// What every page's `.TH` line carries besides its title.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The footer's left part: `container-hooks-toolkit VERSION`.
    pub source: String,
    /// The date of the release, `YYYY-MM-DD`.
    pub date: String,
}

impl Meta {
    /// The workspace version, and the date of the newest entry of
    /// `debian/changelog`, which must be for that version.
    pub fn load(root: &Path) -> Result<Meta> {
        let version = env!("CARGO_PKG_VERSION");
        let entries = changelog::load(root, version)?;
        let newest = entries.first().context("debian/changelog: no entry")?;
        Ok(Meta {
            source: format!("{PACKAGE} {version}"),
            date: newest.iso_date()?,
        })
    }
}

// ---- roff text ----

/// Escapes text for roff: hyphens and quotes stay ASCII when copied
/// (groff 1.23 otherwise prints `-` as a hyphen and `'` as a curly
/// quote), `\` prints as itself, and text in backticks is set in bold.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut in_code = false;
    let backticks = text.matches('`').count();
    for c in text.chars() {
        match c {
            '`' if backticks % 2 == 0 => {
                out.push_str(if in_code { "\\fR" } else { "\\fB" });
                in_code = !in_code;
            }
            _ => push_escaped(&mut out, c),
        }
    }
    out
}

/// Escapes text for a no-fill block: every character as typed.
fn escape_verbatim(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    guard_line(out)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\e"),
        '-' => out.push_str("\\-"),
        '\'' => out.push_str("\\(aq"),
        '`' => out.push_str("\\(ga"),
        '^' => out.push_str("\\(ha"),
        '~' => out.push_str("\\(ti"),
        _ => out.push(c),
    }
}

/// A text line that would read as a request gets a zero-width prefix.
fn guard_line(line: String) -> String {
    if line.starts_with('.') || line.starts_with('\'') {
        format!("\\&{line}")
    } else {
        line
    }
}

/// Text as filled input lines (see `fill_roff`).
fn fill(text: &str) -> String {
    fill_roff(&escape(text))
}

/// Roff text as filled input lines of at most `SOURCE_WIDTH` bytes (roff
/// joins them again).
fn fill_roff(roff: &str) -> String {
    let mut out = String::new();
    for l in fill_lines(roff, SOURCE_WIDTH) {
        out.push_str(&guard_line(l));
        out.push('\n');
    }
    out
}

/// The words of `text` as lines of at most `width` bytes, each as full as
/// it goes; a word longer than that has a line of its own.
pub fn fill_lines(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Paragraphs (separated by blank lines) as filled text, the paragraphs
/// after the first introduced by `macro_name`.
fn paragraphs(text: &str, macro_name: &str) -> String {
    let mut out = String::new();
    for (i, para) in text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push_str(macro_name);
            out.push('\n');
        }
        out.push_str(&fill(para));
    }
    out
}

/// A sentence ends with a period.
fn sentence(text: &str) -> String {
    let t = text.trim();
    match t.chars().last() {
        Some('.') | Some('!') | Some('?') | Some(':') | None => t.to_string(),
        _ => format!("{t}."),
    }
}

/// `name(section)` as a cross reference: the name in bold.
fn page_ref(reference: &str) -> String {
    match reference.split_once('(') {
        Some((name, rest)) => format!("\\fB{}\\fR({rest}", escape(name)),
        None => format!("\\fB{}\\fR", escape(reference)),
    }
}

// ---- the header ----

/// The header of a page: everything before its first `.SH`.
///
/// At 80 columns man(1) formats lines of 78 characters. The header holds
/// the title twice and nothing between (the manual's name would leave no
/// room for long titles); the footer holds the version, the date and the
/// title. groff 1.23 shortens a title too wide for its header, and mandoc
/// drops what does not fit; groff 1.22 (Debian 12) overprints. For it the
/// page carries what 1.23 does: a title shortened in the middle when the
/// line is too narrow for the whole one, and a footer that leaves out the
/// title when there is no room for it.
pub fn head(name: &str, section: &str, meta: &Meta, generated: bool) -> String {
    let mut out = String::new();
    if generated {
        out.push_str(
            ".\\\" Generated by `cargo xtask generate` from the command line definition;\n\
             .\\\" change that, not this file.\n",
        );
    } else {
        out.push_str(
            ".\\\" Written by hand, except this header (to the first .SH), which\n\
             .\\\" `cargo xtask generate` keeps current.\n",
        );
    }
    let title = name.to_uppercase();
    let full_width = header_width(&title, section);
    let th_title = if full_width > LINE {
        let short = shorten_title(&title, (LINE - 2) / 2 - section.len() - 2);
        out.push_str(&format!(
            ".\\\" groff before 1.23 overprints a title too wide for the header:\n\
             .\\\" below {full_width} columns it gets the title shortened, as later versions do.\n\
             .ds ch-title {}\n\
             .if \\n(.g&(\\n(.x=1)&(\\n(.y<23) \\{{\\\n\
             .  ie r LL .nr ch-ll \\n[LL]\n\
             .  el .nr ch-ll {LINE}n\n\
             .  if \\n[ch-ll]<{full_width}n .ds ch-title {}\n\
             .\\}}\n",
            escape(&title),
            escape(&short),
        ));
        "\"\\*[ch-title]\"".to_string()
    } else {
        escape(&title)
    };
    out.push_str(&format!(
        ".TH {th_title} {section} {} \"{}\" \"\"\n",
        meta.date,
        escape(&meta.source)
    ));
    if footer_width(&title, section, meta) > LINE {
        out.push_str(
            ".\\\" groff before 1.23 overprints a footer too wide for the line: leave\n\
             .\\\" out the title there when it does not fit.\n\
             .if \\n(.g&(\\n(.x=1)&(\\n(.y<23) \\{\\\n\
             .de1 BT\n\
             .ie (2*(\\\\w'\\\\*[an-extra2]'>?\\\\w'\\\\*[an-title](\\\\*[an-section])')+\\\\w'\\\\*[an-extra1]'+4n)<=\\\\n[LT] \\\n\
             .tl '\\\\*[an-extra2]'\\\\*[an-extra1]'\\\\*[an-title](\\\\*[an-section])'\n\
             .el .tl '\\\\*[an-extra2]''\\\\*[an-extra1]'\n\
             ..\n\
             .\\}\n",
        );
    }
    // Identifiers and paths are not hyphenated (HY is the hyphenation
    // mode the man macros restore after an example); ragged right.
    out.push_str(".nr HY 0\n.nh\n.ad l\n");
    out
}

/// The columns a header needs with the whole title and two spaces between
/// its two copies.
pub fn header_width(title: &str, section: &str) -> usize {
    2 * (title.len() + section.len() + 2) + 2
}

/// The columns a footer needs: the date centred, the version and the title
/// beside it with two spaces on each side.
pub fn footer_width(title: &str, section: &str, meta: &Meta) -> usize {
    2 * meta.source.len().max(title.len() + section.len() + 2) + meta.date.len() + 4
}

/// The title cut to at most `max` characters: whole words from the start
/// and the end around `...`, or characters when no words fit.
pub fn shorten_title(title: &str, max: usize) -> String {
    if title.len() <= max {
        return title.to_string();
    }
    let words: Vec<&str> = title.split('-').collect();
    let mut best: Option<(usize, String)> = None;
    for head in 1..words.len() {
        for tail in 1..words.len().saturating_sub(head) + 1 {
            if head + tail >= words.len() {
                continue;
            }
            let s = format!(
                "{}-...-{}",
                words[..head].join("-"),
                words[words.len() - tail..].join("-")
            );
            if s.len() <= max && best.as_ref().map_or(true, |(n, _)| head + tail > *n) {
                best = Some((head + tail, s));
            }
        }
    }
    if let Some((_, s)) = best {
        return s;
    }
    let keep = max.saturating_sub(3);
    let start: String = title.chars().take(keep - keep / 2).collect();
    let end: String = title.chars().skip(title.len() - keep / 2).collect();
    format!("{start}...{end}")
}

// ---- section 1: pages from the command line ----

/// One page per command and visible subcommand, at any depth.
pub fn command_pages(
    cmd: Command,
    meta: &Meta,
    files: &mut BTreeMap<PathBuf, Vec<u8>>,
) -> Result<()> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let name = cmd.get_name().to_string();
    walk(&cmd, &[name], meta, files);
    Ok(())
}

fn walk(cmd: &Command, path: &[String], meta: &Meta, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name().to_string());
        walk(sub, &sub_path, meta, files);
    }
    let page = path.join("-");
    let text = command_page(cmd, path, meta);
    files.insert(
        Path::new("man").join(format!("{page}.1")),
        text.into_bytes(),
    );
}

/// The page of `cmd`, reached from the program by the words of `path`.
pub fn command_page(cmd: &Command, path: &[String], meta: &Meta) -> String {
    let page = path.join("-");
    let invocation = path.join(" ");
    let notes = page_notes(&page);
    let mut out = head(&page, "1", meta, true);

    out.push_str(".SH NAME\n");
    let about = cmd.get_about().map(|s| s.to_string()).unwrap_or_default();
    out.push_str(&fill(&format!(
        "{page} - {}",
        lower_first(about.trim().trim_end_matches('.'))
    )));

    out.push_str(".SH SYNOPSIS\n");
    out.push_str(&synopsis(cmd, &invocation));

    out.push_str(".SH DESCRIPTION\n");
    let description = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|s| s.to_string())
        .unwrap_or_default();
    out.push_str(&paragraphs(&sentence(&description), ".PP"));

    let args: Vec<&Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    if !args.is_empty() {
        out.push_str(".SH OPTIONS\n");
        for arg in args {
            out.push_str(&option(arg));
        }
    }

    let subs: Vec<&Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    if !subs.is_empty() {
        out.push_str(".SH COMMANDS\n");
        for sub in subs {
            out.push_str(".TP\n");
            let mut names = vec![format!("\\fB{}\\fR", escape(sub.get_name()))];
            names.extend(
                sub.get_visible_aliases()
                    .map(|a| format!("\\fB{}\\fR", escape(a))),
            );
            out.push_str(&guard_line(names.join(", ")));
            out.push('\n');
            let about = sub.get_about().map(|s| s.to_string()).unwrap_or_default();
            out.push_str(&fill(&sentence(&about)));
            out.push_str(&format!(
                "See {}.\n",
                page_ref(&format!("{page}-{}(1)", sub.get_name()))
            ));
        }
    }

    out.push_str(&notes_sections(&notes));
    if let Some(after) = cmd.get_after_help() {
        out.push_str(".SH EXAMPLES\n");
        out.push_str(&examples(&after.to_string()));
    }
    out.push_str(&see_also(&notes, path));
    out
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            format!("{}{}", a.to_lowercase(), &text[a.len_utf8()..])
        }
        _ => text.to_string(),
    }
}

/// The usage: the command, its required options, `[OPTION]...`, its
/// positional arguments, and `COMMAND` when it has subcommands.
fn synopsis(cmd: &Command, invocation: &str) -> String {
    let bold = |t: &str| format!("\\fB{}\\fR", escape(t));
    let italic = |t: &str| format!("\\fI{}\\fR", escape(t));
    if let Some(usage) = cmd.get_overridden_usage() {
        let usage = usage.to_string();
        let rest = usage.strip_prefix(invocation).unwrap_or(&usage);
        return fill_roff(&format!("{}{}", bold(invocation), escape(rest)));
    }
    let mut words = vec![bold(invocation)];
    let mut optional = false;
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if arg.is_positional() {
            continue;
        }
        if arg.is_required_set() {
            let flag = match (arg.get_long(), arg.get_short()) {
                (Some(l), _) => format!("--{l}"),
                (None, Some(s)) => format!("-{s}"),
                (None, None) => String::new(),
            };
            words.push(format!("{} {}", bold(&flag), italic(&value_name(arg))));
        } else {
            optional = true;
        }
    }
    if optional {
        words.push(format!("[{}]...", italic("OPTION")));
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        let name = italic(&value_name(arg));
        let word = match (arg.is_required_set(), many) {
            (true, false) => name,
            (true, true) => format!("{name}..."),
            (false, false) => format!("[{name}]"),
            (false, true) => format!("[{name}]..."),
        };
        words.push(word);
    }
    let has_subs = cmd.get_subcommands().any(|s| !s.is_hide_set());
    if has_subs && cmd.is_subcommand_required_set() {
        words.push(italic("COMMAND"));
        return fill_roff(&words.join(" "));
    }
    let mut out = fill_roff(&words.join(" "));
    if has_subs {
        out.push_str(".br\n");
        out.push_str(&fill_roff(&format!(
            "{} {}",
            bold(invocation),
            italic("COMMAND")
        )));
    }
    out
}

fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .and_then(|v| v.first())
        .map(|s| s.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

/// One option (or positional argument) of OPTIONS.
fn option(arg: &Arg) -> String {
    let mut out = String::from(".TP\n");
    let mut tag: Vec<String> = Vec::new();
    if arg.is_positional() {
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        tag.push(format!(
            "\\fI{}\\fR{}",
            escape(&value_name(arg)),
            if many { "..." } else { "" }
        ));
    } else {
        let mut names: Vec<String> = Vec::new();
        if let Some(s) = arg.get_short() {
            names.push(format!("\\fB\\-{}\\fR", escape(&s.to_string())));
        }
        for s in arg.get_visible_short_aliases().unwrap_or_default() {
            names.push(format!("\\fB\\-{}\\fR", escape(&s.to_string())));
        }
        if let Some(l) = arg.get_long() {
            names.push(format!("\\fB\\-\\-{}\\fR", escape(l)));
        }
        for l in arg.get_visible_aliases().unwrap_or_default() {
            names.push(format!("\\fB\\-\\-{}\\fR", escape(l)));
        }
        let mut t = names.join(", ");
        if takes_value(arg) {
            t.push_str(&format!(" \\fI{}\\fR", escape(&value_name(arg))));
        }
        tag.push(t);
    }
    out.push_str(&guard_line(tag.join("")));
    out.push('\n');
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    out.push_str(&paragraphs(&sentence(&help), ".IP"));
    let values: Vec<_> = arg
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .collect();
    if takes_value(arg) && !values.is_empty() {
        if values.iter().any(|v| v.get_help().is_some()) {
            out.push_str(".RS\n");
            for v in &values {
                out.push_str(&format!(".TP\n\\fB{}\\fR\n", escape(v.get_name())));
                let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
                out.push_str(&fill(&sentence(&help)));
            }
            out.push_str(".RE\n");
        } else {
            let names: Vec<String> = values
                .iter()
                .map(|v| format!("`{}`", v.get_name()))
                .collect();
            out.push_str(".IP\n");
            out.push_str(&fill(&format!("Values: {}.", names.join(", "))));
        }
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    if takes_value(arg) && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        if values.iter().any(|v| v.get_help().is_some()) {
            out.push_str(".IP\n");
        }
        out.push_str(&fill(&format!("Default: `{}`.", defaults.join(","))));
    }
    out
}

/// EXIT STATUS, ENVIRONMENT and FILES, in the order of man-pages(7).
fn notes_sections(notes: &PageNotes) -> String {
    let mut out = String::new();
    for (heading, entries, font) in [
        ("EXIT STATUS", &notes.exit_status, "B"),
        ("ENVIRONMENT", &notes.environment, "B"),
        ("FILES", &notes.files, "I"),
    ] {
        if entries.is_empty() {
            continue;
        }
        out.push_str(&format!(".SH {heading}\n"));
        for (term, text) in entries.iter() {
            out.push_str(&format!(".TP\n\\f{font}{}\\fR\n", escape(term)));
            out.push_str(&fill(&sentence(text)));
        }
    }
    out
}

/// SEE ALSO: the parent page, then the pages the notes name.
fn see_also(notes: &PageNotes, path: &[String]) -> String {
    let page = path.join("-");
    let mut refs: Vec<String> = Vec::new();
    if path.len() > 1 {
        refs.push(format!("{}(1)", path[..path.len() - 1].join("-")));
    }
    for r in &notes.see_also {
        if !refs.iter().any(|x| x == r) && *r != format!("{page}(1)") {
            refs.push(r.to_string());
        }
    }
    if refs.is_empty() {
        return String::new();
    }
    let mut out = String::from(".SH SEE ALSO\n");
    let last = refs.len() - 1;
    for (i, r) in refs.iter().enumerate() {
        out.push_str(&page_ref(r));
        out.push_str(if i == last { "\n" } else { ",\n" });
    }
    if path.len() == 1 {
        out.push_str(GUIDES);
    }
    out
}

/// Where a program's page sends the reader for the guides the packages
/// ship (the repository's `docs/`).
const GUIDES: &str =
    ".PP\nThe guides, in \\fI/usr/share/doc/container\\-hooks\\-toolkit/docs/\\fR.\n";

/// A block of `after_help`: prose, or example commands (indented lines).
#[derive(Debug, PartialEq)]
pub enum Chunk {
    Text(String),
    Commands(Vec<String>),
}

/// Splits `after_help` into prose and example commands. `Example:` and
/// `Examples:` headings are dropped (the section says it);
/// `Example (what):` becomes the sentence `What:`.
pub fn example_chunks(after_help: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for line in after_help.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            let cmd = line.trim().to_string();
            match chunks.last_mut() {
                Some(Chunk::Commands(cmds)) => cmds.push(cmd),
                _ => chunks.push(Chunk::Commands(vec![cmd])),
            }
            continue;
        }
        let heading = line
            .strip_prefix("Examples")
            .or_else(|| line.strip_prefix("Example"))
            .and_then(|rest| rest.strip_suffix(':'));
        match heading.map(str::trim) {
            Some("") => {}
            Some(caption) => {
                let caption = caption.trim_start_matches('(').trim_end_matches(')');
                let mut c = caption.chars();
                let caption = match c.next() {
                    Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                    None => String::new(),
                };
                chunks.push(Chunk::Text(format!("{caption}:")));
            }
            None => chunks.push(Chunk::Text(line.trim().to_string())),
        }
    }
    chunks
}

/// The width an example line may take: the line less the section indent.
pub const EXAMPLE_WIDTH: usize = LINE - INDENT;

/// An example command as lines of at most `EXAMPLE_WIDTH` columns, broken
/// between words (an option kept with its value) and continued with ` \\` (so the
/// lines still paste as one command), the continuation lines indented by
/// four spaces. A word wider than the line keeps a line of its own. A
/// comment is never broken, and a trailing comment that does not fit goes
/// on a line of its own before the command: a comment cannot be continued.
pub fn wrap_command(cmd: &str) -> Vec<String> {
    if cmd.starts_with('#') {
        return vec![cmd.to_string()];
    }
    if cmd.len() > EXAMPLE_WIDTH {
        if let Some(at) = cmd.find(" # ") {
            let mut lines = vec![cmd[at..].trim().to_string()];
            lines.extend(wrap_command(cmd[..at].trim_end()));
            return lines;
        }
    }
    // An option and the word after it (its value) break as one.
    let mut groups: Vec<String> = Vec::new();
    let mut takes_value = false;
    for word in cmd.split(' ') {
        match groups.last_mut() {
            Some(g) if takes_value && !word.starts_with('-') => {
                g.push(' ');
                g.push_str(word);
                takes_value = false;
            }
            _ => {
                groups.push(word.to_string());
                takes_value = word.starts_with('-') && !word.contains('=');
            }
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for group in groups {
        let indent = if lines.is_empty() { 0 } else { 4 };
        if !line.is_empty() && indent + line.len() + 1 + group.len() + 2 > EXAMPLE_WIDTH {
            lines.push(format!("{}{line} \\", " ".repeat(indent)));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&group);
    }
    let indent = if lines.is_empty() { 0 } else { 4 };
    lines.push(format!("{}{line}", " ".repeat(indent)));
    lines
}

/// EXAMPLES: prose as text, commands in `.EX`/`.EE` blocks.
fn examples(after_help: &str) -> String {
    let mut out = String::new();
    let mut first = true;
    for chunk in example_chunks(after_help) {
        if !first {
            out.push_str(".PP\n");
        }
        first = false;
        match chunk {
            Chunk::Text(t) => out.push_str(&fill(&t)),
            Chunk::Commands(cmds) => {
                out.push_str(".EX\n");
                for cmd in cmds {
                    for line in wrap_command(&cmd) {
                        out.push_str(&escape_verbatim(&line));
                        out.push('\n');
                    }
                }
                out.push_str(".EE\n");
            }
        }
    }
    out
}

// ---- pages written by hand ----

/// A hand-written page with its generated header: `text` from its first
/// `.SH` on, after the header of `name` (the file name without the
/// section).
pub fn hand_written(file: &Path, text: &str, meta: &Meta) -> Result<String> {
    let file_name = file
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{}: not a page name", file.display()))?;
    let (name, section) = file_name
        .rsplit_once('.')
        .with_context(|| format!("{}: no section in the file name", file.display()))?;
    let body_at = if text.starts_with(".SH ") {
        0
    } else {
        text.find("\n.SH ")
            .map(|i| i + 1)
            .with_context(|| format!("{}: no .SH line", file.display()))?
    };
    Ok(format!(
        "{}{}",
        head(name, section, meta, false),
        &text[body_at..]
    ))
}

/// The hand-written pages: every page in `man/` outside section 1.
pub fn hand_written_pages(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("man");
    let mut pages = Vec::new();
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(pages);
    };
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot list", dir.display()))?
            .path();
        let section = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if path.is_file()
            && section != "1"
            && section.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            pages.push(Path::new("man").join(path.file_name().unwrap_or_default()));
        }
    }
    pages.sort();
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            source: "container-hooks-toolkit 0.1.0".into(),
            date: "2026-11-28".into(),
        }
    }

    #[test]
    fn long_titles_are_shortened_at_word_boundaries() {
        let t = "CONTAINER-HOOKS-CTK-RUNTIME-CONFIGURE";
        let s = shorten_title(t, 35);
        assert_eq!(s, "CONTAINER-...-CTK-RUNTIME-CONFIGURE");
        assert_eq!(shorten_title("SHORT", 35), "SHORT");
        assert!(shorten_title("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10).len() <= 10);
    }

    #[test]
    fn escape_keeps_ascii_and_bolds_code() {
        assert_eq!(escape("a-b 'c' `d`"), "a\\-b \\(aqc\\(aq \\fBd\\fR");
        assert_eq!(
            escape_verbatim(".x `y` ~^\\"),
            "\\&.x \\(gay\\(ga \\(ti\\(ha\\e"
        );
    }

    #[test]
    fn examples_split_prose_and_commands() {
        let chunks =
            example_chunks("Example (the DaemonSet's container):\n  a --b\n  c\nMore text.");
        assert_eq!(
            chunks,
            [
                Chunk::Text("The DaemonSet's container:".into()),
                Chunk::Commands(vec!["a --b".into(), "c".into()]),
                Chunk::Text("More text.".into()),
            ]
        );
        assert_eq!(
            example_chunks("Examples:\n  x"),
            [Chunk::Commands(vec!["x".into()])]
        );
    }

    #[test]
    fn a_comment_that_does_not_fit_goes_before_its_command() {
        let cmd = "container-hooks-ctk runtime configure --detected --set-as-default   # what the packages run";
        assert_eq!(
            wrap_command(cmd),
            [
                "# what the packages run",
                "container-hooks-ctk runtime configure --detected --set-as-default"
            ]
        );
        assert_eq!(wrap_command("ls   # short"), ["ls   # short"]);
    }

    #[test]
    fn long_commands_break_before_options_and_paste_as_one() {
        let cmd = "container-hooks-ctk runtime configure --runtime containerd --drop-in /etc/containerd/conf.d/99-container-hooks.toml --set-as-default";
        let lines = wrap_command(cmd);
        assert!(lines.len() > 1, "{lines:?}");
        for l in &lines {
            assert!(l.len() <= EXAMPLE_WIDTH, "{l:?}");
        }
        let joined = lines
            .iter()
            .map(|l| l.trim().trim_end_matches('\\').trim_end())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, cmd);
    }

    #[test]
    fn header_of_a_long_title_carries_the_shortened_one() {
        let h = head("container-hooks-ctk-runtime-configure", "1", &meta(), true);
        assert!(
            h.contains(".ds ch-title CONTAINER\\-...\\-CTK\\-RUNTIME\\-CONFIGURE"),
            "{h}"
        );
        assert!(
            h.contains(
                ".TH \"\\*[ch-title]\" 1 2026-11-28 \"container\\-hooks\\-toolkit 0.1.0\" \"\"\n"
            ),
            "{h}"
        );
        let h = head("container-hooks", "1", &meta(), true);
        assert!(h.contains(".TH CONTAINER\\-HOOKS 1 2026-11-28"), "{h}");
        assert!(!h.contains("ch-title") && !h.contains("de1 BT"), "{h}");
    }
}

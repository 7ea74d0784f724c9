//! The runc command line, read exactly as runc 1.1.5 reads it.
//!
//! runc parses its command line with urfave/cli 1.22 on top of Go's `flag`
//! package. The shim must change config.json only when runc is going to
//! read it and create a container; every other line (a help request, a
//! line runc refuses, any other subcommand) goes to runc untouched, so the
//! engine sees runc's own answer. So this module follows runc's parser step
//! by step, quirks included:
//!
//! 1. Global flags (Go's `flag`): parsing stops at the first argument that
//!    is not a flag, or after a bare `--`; `-name` and `--name` are the
//!    same; a value is `=value` or the next argument; a boolean takes only
//!    `=value`. An unknown flag, a missing value, a bad boolean, or two
//!    forms of one flag (`-h` and `--help`) make runc print usage and exit.
//!    `--help`/`-h` print help, `--version`/`-v` the version.
//! 2. What runc's `Before` checks: `--log-format` is empty, `text` or
//!    `json`.
//! 3. The subcommand: `create`, `run` or `restore`.
//! 4. The subcommand's flags (urfave/cli's `reorderArgs`, then Go's
//!    `flag`): arguments that name one of the subcommand's flags are moved
//!    in front of the others, each taking the following argument with it
//!    when that argument does not name a flag (even after a boolean flag,
//!    which then leaves it as the first positional argument); nothing after
//!    a bare `--` moves. Then the same `flag` rules apply, `-h`, `-help`
//!    and `--help` included, and `--bundle` with `-b` is refused as two
//!    forms of one flag.
//! 5. Exactly one positional argument, the container id, not empty and of
//!    the form runc accepts (`^[\w+-.]+$`, not `.` or `..`); `--rootless`
//!    empty, `auto` or a boolean; for `restore`, `--empty-ns` only
//!    `network`.
//!
//! The bundle is then `--bundle`/`-b` (the last one given), none or empty
//! meaning the current directory. Whether the bundle directory and its
//! config.json exist is for the caller to find out, as runc does next.
//!
//! crun reads the same lines with GNU argp, a different parser. The shim
//! reads a crun line with runc's rules plus crun's own `--cgroup-manager`
//! and `create --no-subreaper`; forms only argp knows (abbreviated long
//! options, `-bDIR`, `--config`) are passed through without injection.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Whose command-line rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// runc 1.1.5 (and runtimes with runc's command line).
    #[default]
    Runc,
    /// crun: runc's rules plus crun's extra flags.
    Crun,
}

impl Dialect {
    /// The dialect of the runtime at `path`, by its file name.
    pub fn of(path: &Path) -> Dialect {
        match path.file_name().and_then(OsStr::to_str) {
            Some("crun") => Dialect::Crun,
            _ => Dialect::Runc,
        }
    }
}

/// What one runc invocation will do, as far as the shim cares.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuncArgs {
    /// The subcommand runc runs, when the global flags parse.
    pub command: Option<String>,
    /// The value of the global `--log` flag, when not empty.
    pub log: Option<PathBuf>,
    /// The value of the global `--log-format` flag.
    pub log_format: Option<String>,
    /// Whether runc creates a container from a bundle, or does something
    /// else with this line.
    pub invocation: Invocation,
}

/// Whether runc will read config.json for this line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `create`, `run` or `restore` that runc will carry out: it reads
    /// `BUNDLE/config.json` (`bundle` `None` is the current directory) and
    /// creates container `id`.
    Create { bundle: Option<PathBuf>, id: String },
    /// Anything else: help, version, a line runc refuses, or a subcommand
    /// that does not read config.json. The reason is for logs and tests.
    PassThrough { why: String },
}

impl Default for Invocation {
    fn default() -> Self {
        Invocation::PassThrough {
            why: "no arguments".to_string(),
        }
    }
}

impl RuncArgs {
    /// Reads the arguments after argv[0] with runc's rules.
    pub fn parse<S: AsRef<OsStr>>(args: &[S]) -> RuncArgs {
        RuncArgs::parse_as(args, Dialect::Runc)
    }

    /// Reads the arguments after argv[0] with the rules of `dialect`.
    pub fn parse_as<S: AsRef<OsStr>>(args: &[S], dialect: Dialect) -> RuncArgs {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_ref().as_bytes()).collect();
        let mut out = RuncArgs::default();
        if let Err(why) = read(&args, dialect, &mut out) {
            out.invocation = Invocation::PassThrough { why };
        }
        out
    }

    /// Whether runc reads config.json for this line.
    pub fn reads_spec(&self) -> bool {
        matches!(self.invocation, Invocation::Create { .. })
    }

    /// The bundle runc reads, when it reads one (`None` also for the
    /// current directory).
    pub fn bundle(&self) -> Option<&Path> {
        match &self.invocation {
            Invocation::Create { bundle, .. } => bundle.as_deref(),
            Invocation::PassThrough { .. } => None,
        }
    }

    /// The container runc creates, when it creates one.
    pub fn container_id(&self) -> Option<&str> {
        match &self.invocation {
            Invocation::Create { id, .. } => Some(id),
            Invocation::PassThrough { .. } => None,
        }
    }

    /// Whether runc was asked to log in JSON.
    pub fn log_is_json(&self) -> bool {
        self.log_format.as_deref() == Some("json")
    }
}

/// The kind of a flag's value, as Go's `flag` package parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    String,
    Int,
    StringSlice,
}

/// One urfave/cli flag: its names (`bundle, b`) and kind.
struct FlagDef {
    names: &'static [&'static str],
    kind: Kind,
}

const fn flag(names: &'static [&'static str], kind: Kind) -> FlagDef {
    FlagDef { names, kind }
}

/// urfave/cli adds `help, h` to the app and to every command.
const HELP: FlagDef = flag(&["help", "h"], Kind::Bool);

/// runc's global flags, then urfave/cli's `help, h` and `version, v`.
const GLOBAL_FLAGS: &[FlagDef] = &[
    flag(&["debug"], Kind::Bool),
    flag(&["log"], Kind::String),
    flag(&["log-format"], Kind::String),
    flag(&["root"], Kind::String),
    flag(&["criu"], Kind::String),
    flag(&["systemd-cgroup"], Kind::Bool),
    flag(&["rootless"], Kind::String),
    HELP,
    flag(&["version", "v"], Kind::Bool),
];

/// crun's global flags beyond runc's.
const CRUN_GLOBAL_FLAGS: &[FlagDef] = &[flag(&["cgroup-manager"], Kind::String)];

const CREATE_FLAGS: &[FlagDef] = &[
    flag(&["bundle", "b"], Kind::String),
    flag(&["console-socket"], Kind::String),
    flag(&["pid-file"], Kind::String),
    flag(&["no-pivot"], Kind::Bool),
    flag(&["no-new-keyring"], Kind::Bool),
    flag(&["preserve-fds"], Kind::Int),
    HELP,
];

/// crun's `create` flags beyond runc's.
const CRUN_CREATE_FLAGS: &[FlagDef] = &[flag(&["no-subreaper"], Kind::Bool)];

const RUN_FLAGS: &[FlagDef] = &[
    flag(&["bundle", "b"], Kind::String),
    flag(&["console-socket"], Kind::String),
    flag(&["detach", "d"], Kind::Bool),
    flag(&["keep"], Kind::Bool),
    flag(&["pid-file"], Kind::String),
    flag(&["no-subreaper"], Kind::Bool),
    flag(&["no-pivot"], Kind::Bool),
    flag(&["no-new-keyring"], Kind::Bool),
    flag(&["preserve-fds"], Kind::Int),
    HELP,
];

const RESTORE_FLAGS: &[FlagDef] = &[
    flag(&["console-socket"], Kind::String),
    flag(&["image-path"], Kind::String),
    flag(&["work-path"], Kind::String),
    flag(&["tcp-established"], Kind::Bool),
    flag(&["ext-unix-sk"], Kind::Bool),
    flag(&["shell-job"], Kind::Bool),
    flag(&["file-locks"], Kind::Bool),
    flag(&["manage-cgroups-mode"], Kind::String),
    flag(&["bundle", "b"], Kind::String),
    flag(&["detach", "d"], Kind::Bool),
    flag(&["pid-file"], Kind::String),
    flag(&["no-subreaper"], Kind::Bool),
    flag(&["no-pivot"], Kind::Bool),
    flag(&["empty-ns"], Kind::StringSlice),
    flag(&["auto-dedup"], Kind::Bool),
    flag(&["lazy-pages"], Kind::Bool),
    flag(&["lsm-profile"], Kind::String),
    flag(&["lsm-mount-context"], Kind::String),
    HELP,
];

/// Follows runc from its `main` to the point where it reads config.json;
/// `Err` says why it does not get there.
fn read(args: &[&[u8]], dialect: Dialect, out: &mut RuncArgs) -> Result<(), String> {
    let crun = dialect == Dialect::Crun;
    let mut globals = FlagSet::new(&[GLOBAL_FLAGS, if crun { CRUN_GLOBAL_FLAGS } else { &[] }]);
    let parsed = globals.parse(args);
    // What the engine asked runc to log to, even from a line runc refuses:
    // the shim reports its own failures there.
    out.log = globals
        .string("log")
        .filter(|l| !l.is_empty())
        .map(|l| PathBuf::from(OsStr::from_bytes(l)));
    out.log_format = globals
        .string("log-format")
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let rest = parsed.map_err(|e| format!("usage error: {e}"))?;
    globals
        .normalize()
        .map_err(|e| format!("usage error: {e}"))?;
    if globals.is_true("help") || globals.is_true("h") {
        return Err("help".to_string());
    }
    if globals.is_true("version") || globals.is_true("v") {
        return Err("version".to_string());
    }
    match globals.string("log-format") {
        None | Some(b"" | b"text" | b"json") => {}
        Some(other) => {
            return Err(format!(
                "invalid log-format: {}",
                String::from_utf8_lossy(other)
            ))
        }
    }
    let Some((name, tail)) = rest.split_first() else {
        return Err("no subcommand".to_string());
    };
    out.command = Some(String::from_utf8_lossy(name).into_owned());
    let defs: &[&[FlagDef]] = match *name {
        b"create" if crun => &[CREATE_FLAGS, CRUN_CREATE_FLAGS],
        b"create" => &[CREATE_FLAGS],
        b"run" => &[RUN_FLAGS],
        b"restore" => &[RESTORE_FLAGS],
        _ => return Err("the subcommand does not read config.json".to_string()),
    };
    let mut flags = FlagSet::new(defs);
    let reordered = reorder_args(&flags, tail);
    let positional = flags
        .parse(&reordered)
        .map_err(|e| format!("usage error: {e}"))?;
    flags.normalize().map_err(|e| format!("usage error: {e}"))?;
    if flags.is_true("h") || flags.is_true("help") {
        return Err("help".to_string());
    }
    let [id] = positional.as_slice() else {
        return Err(format!(
            "{} positional arguments, runc requires exactly 1",
            positional.len()
        ));
    };
    if *name == b"restore" {
        if let Some(ns) = flags
            .strings("empty-ns")
            .iter()
            .find(|ns| **ns != b"network")
        {
            return Err(format!(
                "namespace {:?} is not supported",
                String::from_utf8_lossy(ns)
            ));
        }
    }
    if id.is_empty() {
        return Err("container id cannot be empty".to_string());
    }
    let rootless = globals.string("rootless").unwrap_or_default();
    if !matches!(rootless, b"" | b"auto") && parse_bool(rootless).is_none() {
        return Err("invalid value for --rootless".to_string());
    }
    if !valid_id(id) {
        return Err(format!(
            "invalid id format: {}",
            String::from_utf8_lossy(id)
        ));
    }
    let bundle = flags
        .string("bundle")
        .filter(|b| !b.is_empty())
        .map(|b| PathBuf::from(OsStr::from_bytes(b)));
    out.invocation = Invocation::Create {
        bundle,
        id: String::from_utf8_lossy(id).into_owned(),
    };
    Ok(())
}

/// libcontainer's `validateID`: `^[\w+-\.]+$` (in RE2 `+-\.` is the range
/// `+` to `.`, so `,` is allowed too) and not a `.` or `..` path element.
fn valid_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b',' | b'-' | b'.'))
        && id != b"."
        && id != b".."
}

/// urfave/cli 1.22's `reorderArgs`: flags of the command, each with the
/// argument after it unless that one names a flag, go first; the other
/// arguments follow; `--` and everything after it stay at the end.
fn reorder_args<'a>(flags: &FlagSet, args: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let mut reordered = Vec::with_capacity(args.len() + 1);
    let mut remaining = Vec::with_capacity(args.len() + 1);
    let mut next_may_be_value = false;
    for (i, arg) in args.iter().enumerate() {
        let is_flag = arg_is_flag(flags, arg);
        if next_may_be_value && !is_flag {
            next_may_be_value = false;
            reordered.push(*arg);
        } else if *arg == b"--" {
            remaining.insert(0, &b"--"[..]);
            remaining.extend(args.get(i + 1..).unwrap_or_default());
            break;
        } else if is_flag {
            reordered.push(*arg);
            next_may_be_value = !arg.contains(&b'=');
        } else {
            remaining.push(*arg);
        }
    }
    reordered.extend(remaining);
    reordered
}

/// urfave/cli's `argIsFlag`: up to two leading dashes, then one more, are
/// dropped, and the part before `=` must name one of the command's flags.
fn arg_is_flag(flags: &FlagSet, arg: &[u8]) -> bool {
    if arg == b"-" || arg == b"--" || !arg.starts_with(b"-") {
        return false;
    }
    let mut name = arg;
    if let Some(rest) = name.strip_prefix(b"--") {
        name = rest;
    }
    if let Some(rest) = name.strip_prefix(b"-") {
        name = rest;
    }
    let name = name.split(|&b| b == b'=').next().unwrap_or_default();
    flags.def(name).is_some()
}

/// A value set through a flag.
#[derive(Debug, Clone)]
enum Value<'a> {
    Bool(bool),
    String(&'a [u8]),
    Strings(Vec<&'a [u8]>),
}

/// Go's `flag.FlagSet` over urfave/cli's flags: each name is a flag of its
/// own, as urfave/cli registers them.
struct FlagSet<'a> {
    defs: Vec<(&'static str, Kind)>,
    /// Names set on the command line (Go's `actual`), with their values.
    set: Vec<(&'static str, Value<'a>)>,
    /// Multi-name flags (`bundle, b`), for `normalize`.
    groups: Vec<&'static [&'static str]>,
}

impl<'a> FlagSet<'a> {
    fn new(tables: &[&[FlagDef]]) -> FlagSet<'a> {
        let mut defs = Vec::new();
        let mut groups = Vec::new();
        for def in tables.iter().flat_map(|t| t.iter()) {
            defs.extend(def.names.iter().map(|n| (*n, def.kind)));
            if def.names.len() > 1 {
                groups.push(def.names);
            }
        }
        FlagSet {
            defs,
            set: Vec::new(),
            groups,
        }
    }

    fn def(&self, name: &[u8]) -> Option<(&'static str, Kind)> {
        self.defs
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .copied()
    }

    fn value(&self, name: &str) -> Option<&Value<'a>> {
        self.set
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    fn is_true(&self, name: &str) -> bool {
        matches!(self.value(name), Some(Value::Bool(true)))
    }

    fn string(&self, name: &str) -> Option<&'a [u8]> {
        match self.value(name) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    fn strings(&self, name: &str) -> Vec<&'a [u8]> {
        match self.value(name) {
            Some(Value::Strings(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    fn store(&mut self, name: &'static str, value: Value<'a>) {
        self.set.retain(|(n, _)| *n != name);
        self.set.push((name, value));
    }

    /// Go's `FlagSet.Parse` (ContinueOnError): the arguments left after
    /// the flags, or the error Go reports.
    fn parse(&mut self, args: &[&'a [u8]]) -> Result<Vec<&'a [u8]>, String> {
        let mut i = 0;
        loop {
            let Some(&s) = args.get(i) else {
                return Ok(Vec::new());
            };
            let rest = || args.get(i..).unwrap_or_default().to_vec();
            if s.len() < 2 || s.first() != Some(&b'-') {
                return Ok(rest());
            }
            let mut minuses = 1;
            if s.get(1) == Some(&b'-') {
                minuses += 1;
                if s.len() == 2 {
                    return Ok(args.get(i + 1..).unwrap_or_default().to_vec());
                }
            }
            let name = s.get(minuses..).unwrap_or_default();
            if matches!(name.first(), None | Some(b'-' | b'=')) {
                return Err(format!("bad flag syntax: {}", lossy(s)));
            }
            i += 1;
            // `=` cannot be the first character of the name.
            let (name, inline) = match name.iter().skip(1).position(|&b| b == b'=') {
                Some(p) => (
                    name.get(..p + 1).unwrap_or_default(),
                    Some(name.get(p + 2..).unwrap_or_default()),
                ),
                None => (name, None),
            };
            let Some((name, kind)) = self.def(name) else {
                return Err(format!("flag provided but not defined: -{}", lossy(name)));
            };
            if kind == Kind::Bool {
                let value = match inline {
                    Some(v) => parse_bool(v).ok_or_else(|| {
                        format!(
                            "invalid boolean value {:?} for -{name}: parse error",
                            lossy(v)
                        )
                    })?,
                    None => true,
                };
                self.store(name, Value::Bool(value));
                continue;
            }
            let value = match inline {
                Some(v) => v,
                None => {
                    let Some(&v) = args.get(i) else {
                        return Err(format!("flag needs an argument: -{name}"));
                    };
                    i += 1;
                    v
                }
            };
            match kind {
                Kind::Int if parse_int(value).is_none() => {
                    return Err(format!(
                        "invalid value {:?} for flag -{name}: parse error",
                        lossy(value)
                    ));
                }
                Kind::StringSlice => {
                    let mut all = self.strings(name);
                    all.push(value);
                    self.store(name, Value::Strings(all));
                }
                _ => self.store(name, Value::String(value)),
            }
        }
    }

    /// urfave/cli's `normalizeFlags`: two names of one flag both set is an
    /// error; otherwise the value set under one name is copied to the
    /// others.
    fn normalize(&mut self) -> Result<(), String> {
        for names in self.groups.clone() {
            let mut given: Option<&'static str> = None;
            for name in names {
                if self.value(name).is_some() {
                    if let Some(first) = given {
                        return Err(format!(
                            "Cannot use two forms of the same flag: {name} {first}"
                        ));
                    }
                    given = Some(name);
                }
            }
            let Some(given) = given else {
                continue;
            };
            if let Some(value) = self.value(given).cloned() {
                for name in names.iter().filter(|n| **n != given) {
                    self.store(name, value.clone());
                }
            }
        }
        Ok(())
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &[u8]) -> Option<bool> {
    match s {
        b"1" | b"t" | b"T" | b"true" | b"TRUE" | b"True" => Some(true),
        b"0" | b"f" | b"F" | b"false" | b"FALSE" | b"False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, a `0b`, `0o`,
/// `0x` or `0` (octal) prefix, digits with `_` separators allowed between
/// digits, within the range of int64.
fn parse_int(s: &[u8]) -> Option<i64> {
    let (neg, unsigned) = match s.first() {
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let n = parse_uint(unsigned)?;
    let cutoff = 1u64 << 63;
    match (neg, n) {
        (false, n) if n < cutoff => i64::try_from(n).ok(),
        (true, n) if n <= cutoff => Some(0i64.wrapping_sub_unsigned(n)),
        _ => None,
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
fn parse_uint(s0: &[u8]) -> Option<u64> {
    if s0.is_empty() {
        return None;
    }
    let lower = |c: u8| c | 0x20;
    let (base, digits): (u64, &[u8]) = match s0 {
        [b'0', p, rest @ ..] if !rest.is_empty() && lower(*p) == b'b' => (2, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && lower(*p) == b'o' => (8, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && lower(*p) == b'x' => (16, rest),
        [b'0', rest @ ..] => (8, rest),
        _ => (10, s0),
    };
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            _ if lower(c).is_ascii_lowercase() => lower(c) - b'a' + 10,
            _ => return None,
        };
        if u64::from(d) >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.underscoreOK`: underscores only between digits, or
/// between a base prefix and a digit.
fn underscore_ok(s: &[u8]) -> bool {
    let s = match s.first() {
        Some(b'-' | b'+') => s.get(1..).unwrap_or_default(),
        _ => s,
    };
    let lower = |c: u8| c | 0x20;
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if let [b'0', p, ..] = s {
        if matches!(lower(*p), b'b' | b'o' | b'x') {
            i = 2;
            saw = b'0';
            hex = lower(*p) == b'x';
        }
    }
    for &c in s.get(i..).unwrap_or_default() {
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> RuncArgs {
        let args: Vec<&str> = line.split_whitespace().collect();
        RuncArgs::parse(&args)
    }

    fn creates(line: &str) -> (Option<String>, String) {
        match parse(line).invocation {
            Invocation::Create { bundle, id } => (bundle.map(|b| b.display().to_string()), id),
            Invocation::PassThrough { why } => panic!("{line:?} passes through: {why}"),
        }
    }

    fn passes(line: &str) -> String {
        match parse(line).invocation {
            Invocation::Create { bundle, id } => {
                panic!("{line:?} creates {id} from {bundle:?}")
            }
            Invocation::PassThrough { why } => why,
        }
    }

    #[test]
    fn command_lines_of_real_engines() {
        // containerd 1.6 (io.containerd.runc.v2 shim), Docker 20.10 through
        // containerd, Podman and CRI-O through conmon.
        for (line, bundle, id) in [
            ("--root /run/containerd/runc/default --log /run/c/t2/log.json --log-format json create --bundle /run/c/t2 --pid-file /run/c/t2/init.pid t2", "/run/c/t2", "t2"),
            ("--root /var/run/docker/runtime-runc/moby --log /run/m/4f/log.json --log-format json --systemd-cgroup create --bundle /run/m/4f --pid-file /run/m/4f/init.pid --console-socket /tmp/pty1/pty.sock 4f2a", "/run/m/4f", "4f2a"),
            ("--systemd-cgroup --root /run/runc create --bundle /var/lib/c/abc/userdata --pid-file /run/abc/pidfile --no-pivot --no-new-keyring abc", "/var/lib/c/abc/userdata", "abc"),
            ("--root /run/runc restore --bundle /b --image-path /img --work-path /w --detach --pid-file /p --tcp-established --file-locks r1", "/b", "r1"),
            ("--root /r run -d --preserve-fds 2 --bundle /b r2", "/b", "r2"),
        ] {
            assert_eq!(creates(line), (Some(bundle.to_string()), id.to_string()), "{line}");
        }
    }

    #[test]
    fn every_flag_form_and_position_runc_accepts() {
        for (line, bundle, id) in [
            ("--root=/r create --bundle=/b id", Some("/b"), "id"),
            ("-root /r create -b /b id", Some("/b"), "id"),
            ("create -b=/b id", Some("/b"), "id"),
            ("create -bundle /b id", Some("/b"), "id"),
            ("create --bundle /a --bundle /b id", Some("/b"), "id"),
            // urfave/cli moves flags after the id in front of it.
            ("create id --bundle /late", Some("/late"), "id"),
            ("create id --pid-file /p --bundle=/b", Some("/b"), "id"),
            ("create id", None, "id"),
            ("create --bundle= id", None, "id"),
            (
                "--log /l --log-format text --criu /c --rootless auto run -d --bundle /b id",
                Some("/b"),
                "id",
            ),
            (
                "--debug restore --image-path /img --bundle /b id",
                Some("/b"),
                "id",
            ),
            // A flag value equal to a flag name or a subcommand is a value.
            ("create --pid-file --bundle id", None, "id"),
            (
                "create --console-socket /s --bundle /b create",
                Some("/b"),
                "create",
            ),
            (
                "--systemd-cgroup=true create --bundle /b x",
                Some("/b"),
                "x",
            ),
            ("-- create --bundle /b x", Some("/b"), "x"),
            ("create --bundle /b -- x", Some("/b"), "x"),
            ("create --bundle -- x", Some("--"), "x"),
            ("create -h=false x", None, "x"),
            ("create --help=0 --no-pivot=true x", None, "x"),
            ("create --preserve-fds 0x1_0 x", None, "x"),
            ("create --preserve-fds=-9223372036854775808 x", None, "x"),
            ("--rootless TRUE create x", None, "x"),
            ("create a+b,c-d.e_F", None, "a+b,c-d.e_F"),
            ("restore --empty-ns network --empty-ns network x", None, "x"),
        ] {
            assert_eq!(
                creates(line),
                (bundle.map(str::to_string), id.to_string()),
                "{line}"
            );
        }
    }

    #[test]
    fn lines_runc_does_not_act_on_pass_through() {
        for (line, why) in [
            ("create -h", "help"),
            ("create --help", "help"),
            ("create -help", "help"),
            ("create --h=true x", "help"),
            ("create id --help", "help"),
            ("create --bundle /b -h id", "help"),
            ("run -h", "help"),
            ("restore --help", "help"),
            ("--help create x", "help"),
            ("-h create x", "help"),
            ("--version create x", "version"),
            ("-v", "version"),
            ("create", "0 positional"),
            ("create --bundle /b", "0 positional"),
            ("create a b", "2 positional"),
            (
                "create --help-me x",
                "flag provided but not defined: -help-me",
            ),
            ("create id --bundle", "0 positional"),
            ("create --bundle", "flag needs an argument: -bundle"),
            ("create --bundle /a -b /b x", "two forms"),
            ("create -h --help x", "two forms"),
            ("create --no-pivot x --bundle /b", "3 positional"),
            ("create --no-pivot=maybe x", "invalid boolean"),
            ("create --preserve-fds 08 x", "invalid value"),
            (
                "create --preserve-fds 9223372036854775808 x",
                "invalid value",
            ),
            ("create --preserve-fds 1__0 x", "invalid value"),
            ("create ---bundle /b x", "bad flag syntax"),
            ("create -=x y", "bad flag syntax"),
            ("create x -- --bundle", "2 positional"),
            ("create --root /r x", "flag provided but not defined: -root"),
            ("--log-format JSON create x", "invalid log-format"),
            ("--rootless maybe create x", "--rootless"),
            ("--debug=yes create x", "invalid boolean"),
            ("--root", "flag needs an argument"),
            ("--help --h create x", "two forms"),
            ("create ..", "invalid id"),
            ("create a/b", "invalid id"),
            ("create a:b", "invalid id"),
            ("restore --empty-ns pid x", "not supported"),
            ("create -d x", "flag provided but not defined: -d"),
            ("run --keep=1 -d x y", "2 positional"),
            // Other subcommands, also with a container called `create`.
            ("start create", "does not read"),
            ("--root /r delete --force create", "does not read"),
            ("--root create state x", "does not read"),
            ("--log run list", "does not read"),
            ("features", "does not read"),
            ("h create", "does not read"),
            ("", "no subcommand"),
            ("--debug", "no subcommand"),
        ] {
            let got = passes(line);
            assert!(got.contains(why), "{line:?}: {got:?}, expected {why:?}");
        }
        let got = RuncArgs::parse(&["create", ""]);
        assert!(!got.reads_spec());
        assert!(!RuncArgs::parse(&["create", "a b"]).reads_spec());
    }

    #[test]
    fn crun_flags_count_only_for_crun() {
        let line = [
            "--cgroup-manager",
            "systemd",
            "create",
            "--no-subreaper",
            "x",
        ];
        assert!(!RuncArgs::parse_as(&line, Dialect::Runc).reads_spec());
        let got = RuncArgs::parse_as(&line, Dialect::Crun);
        assert_eq!(got.container_id(), Some("x"));
        assert!(
            !RuncArgs::parse_as(&["create", "--config", "/c.json", "x"], Dialect::Crun)
                .reads_spec()
        );
        assert_eq!(Dialect::of(Path::new("/usr/bin/crun")), Dialect::Crun);
        assert_eq!(Dialect::of(Path::new("/usr/sbin/runc")), Dialect::Runc);
    }

    #[test]
    fn log_flags_are_found_even_on_lines_runc_refuses() {
        let got = parse("--log /run/x/log.json --log-format json create --bundle /b id");
        assert_eq!(got.log.as_deref(), Some(Path::new("/run/x/log.json")));
        assert!(got.log_is_json());
        let got = parse("--log=/l -log-format=text create id");
        assert_eq!(got.log.as_deref(), Some(Path::new("/l")));
        assert!(!got.log_is_json());
        let got = parse("--log /l --log-format json create");
        assert!(!got.reads_spec());
        assert_eq!(got.log.as_deref(), Some(Path::new("/l")));
        assert!(got.log_is_json());
        assert_eq!(parse("--log= create x").log, None);
    }

    #[test]
    fn go_integers_and_booleans() {
        for (s, want) in [
            ("0", Some(0)),
            ("10", Some(10)),
            ("+7", Some(7)),
            ("-7", Some(-7)),
            ("010", Some(8)),
            ("0o17", Some(15)),
            ("0b101", Some(5)),
            ("0xff", Some(255)),
            ("0XFF", Some(255)),
            ("1_000", Some(1000)),
            ("0x_1", Some(1)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("", None),
            ("+", None),
            ("08", None),
            ("0x", None),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("1.0", None),
            (" 1", None),
            ("9223372036854775808", None),
            ("0xg", None),
        ] {
            assert_eq!(parse_int(s.as_bytes()), want, "{s:?}");
        }
        assert_eq!(parse_bool(b"T"), Some(true));
        assert_eq!(parse_bool(b"tRUE"), None);
    }
}

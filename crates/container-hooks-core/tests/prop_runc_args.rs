//! Property tests of the runc command-line reader: it never panics on any
//! argument list, and on well-formed runc lines it finds the subcommand,
//! the bundle and the container id that runc itself would use.

use container_hooks_core::runc_args::RuncArgs;
use proptest::prelude::*;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// Tokens that sit on the parser's edges.
const EDGE_TOKENS: &[&str] = &[
    "",
    "-",
    "--",
    "---",
    "=",
    "-=",
    "--=",
    "--=x",
    "create",
    "run",
    "restore",
    "start",
    "state",
    "delete",
    "--bundle",
    "-bundle",
    "-b",
    "--b",
    "-b=",
    "--bundle=",
    "--bundle=/b",
    "-b=/x",
    "--root",
    "--root=",
    "-root",
    "--log",
    "--log=/l",
    "--log-format",
    "json",
    "--criu",
    "--rootless",
    "--debug",
    "--systemd-cgroup",
    "--pid-file",
    "--console-socket",
    "-d",
    "--preserve-fds",
    "id",
    "/b",
    "\u{e9}",
    "--bundle\u{0}",
    "-\u{ff}",
];

fn any_arg() -> impl Strategy<Value = OsString> {
    prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..12).prop_map(OsString::from_vec),
        5 => proptest::sample::select(EDGE_TOKENS).prop_map(OsString::from),
        2 => (proptest::sample::select(EDGE_TOKENS), proptest::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(t, tail)| {
                let mut v = t.as_bytes().to_vec();
                v.extend(tail);
                OsString::from_vec(v)
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_argument_list(args in proptest::collection::vec(any_arg(), 0..12)) {
        let parsed = RuncArgs::parse(&args);
        // A bundle is only looked for where runc reads config.json.
        if parsed.bundle.is_some() || parsed.bundle_missing_value {
            prop_assert!(parsed.reads_spec());
        }
        prop_assert_eq!(&parsed, &RuncArgs::parse(&args));
    }
}

/// A value of a flag: a plain word that may equal a subcommand name.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &["create", "run", "restore", "start", "delete", "state", "json", "text"][..]
        )
        .prop_map(str::to_string),
        "/[a-z0-9/._]{1,16}",
        "[a-zA-Z0-9_.][a-zA-Z0-9_.=-]{0,10}",
    ]
}

/// `--name value`, `--name=value`, `-name value`, `-name=value`.
fn value_flag(name: &'static str) -> impl Strategy<Value = Vec<String>> {
    (0..4u8, value()).prop_map(move |(form, v)| match form {
        0 => vec![format!("--{name}"), v],
        1 => vec![format!("--{name}={v}")],
        2 => vec![format!("-{name}"), v],
        _ => vec![format!("-{name}={v}")],
    })
}

fn global_flag() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        proptest::sample::select(&["root", "log", "log-format", "criu", "rootless"][..])
            .prop_flat_map(value_flag),
        proptest::sample::select(
            &[
                "--debug",
                "-debug",
                "--systemd-cgroup",
                "--systemd-cgroup=true",
                "--debug=false"
            ][..]
        )
        .prop_map(|f| vec![f.to_string()]),
    ]
}

/// One flag of `create`/`run`/`restore` that is not `--bundle`.
fn other_command_flag() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        proptest::sample::select(&["pid-file", "console-socket", "preserve-fds"][..])
            .prop_flat_map(value_flag),
        proptest::sample::select(
            &[
                "--no-pivot",
                "--no-new-keyring",
                "-no-pivot",
                "--no-new-keyring=true"
            ][..]
        )
        .prop_map(|f| vec![f.to_string()]),
    ]
}

/// `--bundle B` in every form runc accepts; the second item is B.
fn bundle_flag() -> impl Strategy<Value = (Vec<String>, String)> {
    (0..6u8, value()).prop_map(|(form, b)| {
        let args = match form {
            0 => vec!["--bundle".to_string(), b.clone()],
            1 => vec![format!("--bundle={b}")],
            2 => vec!["-b".to_string(), b.clone()],
            3 => vec![format!("-b={b}")],
            4 => vec!["-bundle".to_string(), b.clone()],
            _ => vec![format!("-bundle={b}")],
        };
        (args, b)
    })
}

#[derive(Debug, Clone)]
enum CommandFlag {
    Bundle(Vec<String>, String),
    Other(Vec<String>),
}

fn command_flag() -> impl Strategy<Value = CommandFlag> {
    prop_oneof![
        bundle_flag().prop_map(|(a, b)| CommandFlag::Bundle(a, b)),
        other_command_flag().prop_map(CommandFlag::Other),
    ]
}

/// A well-formed runc line and what runc reads from it.
#[derive(Debug, Clone)]
struct Line {
    args: Vec<String>,
    command: String,
    bundle: Option<String>,
    id: String,
}

fn well_formed_line() -> impl Strategy<Value = Line> {
    (
        proptest::collection::vec(global_flag(), 0..5),
        proptest::sample::select(&["create", "run", "restore"][..]),
        proptest::collection::vec(command_flag(), 0..6),
        value(),
        // Where the id goes among the command flags (urfave/cli moves flags
        // in front of positional arguments), or after `--`.
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(globals, command, flags, id, at, after_dashdash)| {
            let mut args: Vec<String> = globals.into_iter().flatten().collect();
            args.push(command.to_string());
            let mut bundle = None;
            let at = at.index(flags.len() + 1);
            let mut id_pushed = false;
            for (i, flag) in flags.into_iter().enumerate() {
                if i == at && !after_dashdash {
                    args.push(id.clone());
                    id_pushed = true;
                }
                match flag {
                    CommandFlag::Bundle(a, b) => {
                        args.extend(a);
                        bundle = Some(b);
                    }
                    CommandFlag::Other(a) => args.extend(a),
                }
            }
            if !id_pushed {
                if after_dashdash {
                    args.push("--".to_string());
                }
                args.push(id.clone());
            }
            Line {
                args,
                command: command.to_string(),
                bundle,
                id,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn finds_what_runc_finds_on_well_formed_lines(line in well_formed_line()) {
        let parsed = RuncArgs::parse(&line.args);
        prop_assert_eq!(parsed.command.as_deref(), Some(line.command.as_str()), "{:?}", line.args);
        prop_assert_eq!(&parsed.bundle, &line.bundle.clone().map(PathBuf::from), "{:?}", line.args);
        prop_assert!(!parsed.bundle_missing_value);
        prop_assert_eq!(parsed.container_id.as_deref(), Some(line.id.as_str()), "{:?}", line.args);
        prop_assert!(parsed.reads_spec());
    }

    /// Other subcommands never get a bundle, even when their container is
    /// called `create` or their arguments look like `--bundle`.
    #[test]
    fn other_subcommands_are_passed_through(
        globals in proptest::collection::vec(global_flag(), 0..4),
        command in proptest::sample::select(&["start", "state", "delete", "kill", "exec", "ps", "list", "features", "update", "pause"][..]),
        rest in proptest::collection::vec(prop_oneof![value(), Just("--bundle".to_string()), Just("create".to_string())], 0..5),
    ) {
        let mut args: Vec<String> = globals.into_iter().flatten().collect();
        args.push(command.to_string());
        args.extend(rest);
        let parsed = RuncArgs::parse(&args);
        prop_assert_eq!(parsed.command.as_deref(), Some(command));
        prop_assert!(!parsed.reads_spec());
        prop_assert_eq!(parsed.bundle, None);
    }
}

//! Property tests of the runc command-line reader: it never panics on any
//! argument list, on well-formed runc lines it finds the subcommand, the
//! bundle and the container id that runc itself would use, and a help flag
//! anywhere means runc reads nothing. (The integration test
//! `shim_vs_runc` checks random lines against runc itself.)

use container_hooks_core::runc_args::RuncArgs;
use proptest::prelude::*;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

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
        // A bundle and an id only where runc reads config.json.
        if parsed.bundle().is_some() || parsed.container_id().is_some() {
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

/// A container id runc accepts.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(&["create", "run", "restore", "state", "json", "b", "h"][..])
            .prop_map(str::to_string),
        "[a-zA-Z0-9_+,.][a-zA-Z0-9_+,.-]{0,12}"
            .prop_filter("not . or ..", |s| s != "." && s != ".."),
    ]
}

fn global_flag() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        proptest::sample::select(&["root", "log", "criu"][..]).prop_flat_map(value_flag),
        proptest::sample::select(&["log-format"][..]).prop_flat_map(|n| {
            (0..4u8, proptest::sample::select(&["json", "text", ""][..]))
                .prop_map(move |(form, v)| flag_form(n, form, v.to_string()))
        }),
        proptest::sample::select(&["rootless"][..]).prop_flat_map(|n| {
            (
                0..4u8,
                proptest::sample::select(&["auto", "true", "false", "1", ""][..]),
            )
                .prop_map(move |(form, v)| flag_form(n, form, v.to_string()))
        }),
        proptest::sample::select(
            &[
                "--debug",
                "-debug",
                "--systemd-cgroup",
                "--systemd-cgroup=true",
                "--debug=false",
                "--help=false",
                "-v=0",
            ][..]
        )
        .prop_map(|f| vec![f.to_string()]),
    ]
}

fn flag_form(name: &str, form: u8, v: String) -> Vec<String> {
    match form {
        0 => vec![format!("--{name}"), v],
        1 => vec![format!("--{name}={v}")],
        2 => vec![format!("-{name}"), v],
        _ => vec![format!("-{name}={v}")],
    }
}

/// One flag of the subcommand that is not `--bundle`; `true` when it is a
/// boolean given without `=value` (urfave/cli then takes the argument after
/// it along when it moves flags to the front).
fn other_command_flag(command: &'static str) -> BoxedStrategy<(Vec<String>, bool)> {
    let values: &'static [&'static str] = match command {
        "restore" => &[
            "pid-file",
            "console-socket",
            "image-path",
            "work-path",
            "manage-cgroups-mode",
            "lsm-profile",
        ],
        _ => &["pid-file", "console-socket"],
    };
    let bools: &'static [&'static str] = match command {
        "create" => &[
            "--no-pivot",
            "--no-new-keyring",
            "-no-pivot",
            "--no-new-keyring=true",
        ],
        // One name of `detach, d` only: runc refuses both in one line.
        "run" => &["--no-pivot", "-d", "--keep", "--no-subreaper=1", "-d=false"],
        _ => &[
            "--no-pivot",
            "-d",
            "--tcp-established",
            "--file-locks",
            "--shell-job=true",
        ],
    };
    let mut options = vec![
        proptest::sample::select(values)
            .prop_flat_map(value_flag)
            .prop_map(|f| (f, false))
            .boxed(),
        proptest::sample::select(bools)
            .prop_map(|f| (vec![f.to_string()], !f.contains('=')))
            .boxed(),
    ];
    if command != "restore" {
        options.push(
            (0..4u8, 0..64u32)
                .prop_map(|(form, n)| (flag_form("preserve-fds", form, n.to_string()), false))
                .boxed(),
        );
    }
    proptest::strategy::Union::new(options).boxed()
}

/// `--bundle B` in one of the forms runc accepts: `name` is `bundle` or
/// `b` (runc refuses both in one line); the second item is B.
fn bundle_flag(name: &'static str) -> impl Strategy<Value = (Vec<String>, String)> {
    (0..4u8, value()).prop_map(move |(form, b)| (flag_form(name, form, b.clone()), b))
}

#[derive(Debug, Clone)]
enum CommandFlag {
    Bundle(Vec<String>, String),
    Other(Vec<String>, bool),
}

fn command_flag(
    command: &'static str,
    bundle_name: &'static str,
) -> impl Strategy<Value = CommandFlag> {
    prop_oneof![
        bundle_flag(bundle_name).prop_map(|(a, b)| CommandFlag::Bundle(a, b)),
        other_command_flag(command).prop_map(|(a, bare_bool)| CommandFlag::Other(a, bare_bool)),
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
        proptest::sample::select(&["create", "run", "restore"][..]),
        proptest::sample::select(&["bundle", "b"][..]),
    )
        .prop_flat_map(|(command, bundle_name)| {
            (
                proptest::collection::vec(global_flag(), 0..5),
                Just(command),
                proptest::collection::vec(command_flag(command, bundle_name), 0..6),
                id(),
                // Where the id goes among the command flags (urfave/cli
                // moves flags in front of positional arguments), or after
                // `--`.
                any::<prop::sample::Index>(),
                any::<bool>(),
            )
        })
        .prop_map(|(globals, command, flags, id, at, after_dashdash)| {
            let mut args: Vec<String> = globals.into_iter().flatten().collect();
            args.push(command.to_string());
            let mut bundle = None;
            let mut at = at.index(flags.len() + 1);
            // Right after a bare boolean the id would be taken along to the
            // front, and the flags after it would become arguments.
            if at > 0 && matches!(flags.get(at - 1), Some(CommandFlag::Other(_, true))) {
                at = flags.len();
            }
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
                    CommandFlag::Other(a, _) => args.extend(a),
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
        let want = line.bundle.clone().filter(|b| !b.is_empty()).map(PathBuf::from);
        prop_assert_eq!(parsed.bundle().map(Path::to_path_buf), want, "{:?} {:?}", line.args, parsed.invocation);
        prop_assert_eq!(parsed.container_id(), Some(line.id.as_str()), "{:?}", line.args);
        prop_assert!(parsed.reads_spec());
    }

    /// A help flag anywhere among the subcommand's arguments (before
    /// `--`) makes runc print help: nothing is read.
    #[test]
    fn help_anywhere_passes_through(line in well_formed_line(), help in proptest::sample::select(&["-h", "--h", "-help", "--help", "-h=true", "--help=1"][..]), at in any::<prop::sample::Index>()) {
        // The subcommand: the first argument equal to it that is not the
        // value of a global flag (`--root create create ...`).
        let global_values = ["--root", "-root", "--log", "-log", "--log-format", "-log-format", "--criu", "-criu", "--rootless", "-rootless"];
        let command_at = line
            .args
            .iter()
            .enumerate()
            .position(|(i, a)| *a == line.command && (i == 0 || !global_values.contains(&line.args[i - 1].as_str())))
            .unwrap();
        let end = line.args.iter().position(|a| a == "--").unwrap_or(line.args.len());
        let mut args = line.args.clone();
        args.insert(command_at + 1 + at.index(end - command_at), help.to_string());
        // Unless it is where a flag's value goes: then it is that value.
        let parsed = RuncArgs::parse(&args);
        if parsed.reads_spec() {
            let i = args.iter().position(|a| a == help).unwrap();
            let before = args[i - 1].trim_start_matches('-');
            let value_flags = ["pid-file", "console-socket", "image-path", "work-path", "manage-cgroups-mode", "lsm-profile", "bundle", "b"];
            prop_assert!(args[i - 1].starts_with('-') && value_flags.contains(&before), "{:?}", args);
        }
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
        prop_assert_eq!(parsed.bundle(), None);
    }
}

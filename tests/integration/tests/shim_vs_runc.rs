//! The shim next to runc itself. Every command line that runc answers with
//! help or refuses gets, through the shim, runc's own answer byte for byte
//! (exit code, stdout, stderr with timestamps masked, argv[0] in runc's
//! messages), and config.json is left untouched; and on random command
//! lines the shim finds the bundle runc reads, and only when runc reads
//! one.

mod reliability;

use container_hooks_core::runc_args::{Invocation, RuncArgs};
use integration_tests::{mask_log_times, require, run, Toolkit};
use reliability::{scale, Rng};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A bundle, an empty directory, a state root and a toolkit whose hooks
/// would change config.json if the shim injected.
struct Setup {
    _tmp: tempfile::TempDir,
    toolkit: Toolkit,
    bundle: PathBuf,
    empty: PathBuf,
    state: PathBuf,
}

fn setup() -> Setup {
    let runc = require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["runc"]);
    toolkit.write_hooks_json(&json!({"createRuntime": [{"path": "/bin/true"}]}));
    let bundle = tmp.path().join("bundle");
    let empty = tmp.path().join("empty");
    let state = tmp.path().join("state");
    for d in [&bundle, &empty, &state] {
        fs::create_dir_all(d).unwrap();
    }
    run(Command::new(runc).args(["spec", "--bundle"]).arg(&bundle));
    Setup {
        _tmp: tmp,
        toolkit,
        bundle,
        empty,
        state,
    }
}

/// Runs `args` (`{B}` the bundle, `{E}` the empty directory, `{S}` the
/// state root, `{N}` a path that does not exist) in `cwd` through runc and
/// through the shim, and asserts the same exit code, stdout and stderr,
/// and config.json untouched.
fn same_as_runc(s: &Setup, cwd: &Path, line: &[&str]) {
    let args: Vec<String> = line
        .iter()
        .map(|a| {
            a.replace("{B}", s.bundle.to_str().unwrap())
                .replace("{E}", s.empty.to_str().unwrap())
                .replace("{S}", s.state.to_str().unwrap())
                .replace("{N}", "/nonexistent/bundle")
        })
        .collect();
    let config = s.bundle.join("config.json");
    let before = fs::read(&config).unwrap();
    // As an engine runs runc: by the name `runc`, found on PATH.
    let direct: Output = run(Command::new("runc").args(&args).current_dir(cwd));
    let shimmed = run(s.toolkit.shim().args(&args).current_dir(cwd));
    let shown = format!("{args:?} in {}", cwd.display());
    assert_eq!(
        shimmed.status.code(),
        direct.status.code(),
        "exit code of {shown}\nrunc: {}\nshim: {}",
        mask_log_times(&direct.stderr),
        mask_log_times(&shimmed.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&shimmed.stdout),
        String::from_utf8_lossy(&direct.stdout),
        "stdout of {shown}"
    );
    assert_eq!(
        mask_log_times(&shimmed.stderr),
        mask_log_times(&direct.stderr),
        "stderr of {shown}"
    );
    assert_eq!(
        fs::read(&config).unwrap(),
        before,
        "config.json after {shown}"
    );
    assert_eq!(
        reliability::temporaries(&s.bundle),
        Vec::<PathBuf>::new(),
        "{shown}"
    );
}

/// Help, anywhere runc sees it, in a bundle and outside one.
const HELP: &[&[&str]] = &[
    &["create", "-h"],
    &["create", "--help"],
    &["create", "-help"],
    &["create", "--h"],
    &["create", "-h=true", "x"],
    &["create", "x", "--help"],
    &["create", "--bundle", "{B}", "-h", "x"],
    &["create", "--bundle", "{B}", "x", "-h"],
    &["--root", "{S}", "create", "--pid-file", "/p", "--help", "x"],
    &["run", "-h"],
    &["run", "--help"],
    &["run", "-d", "x", "--help"],
    &["restore", "--help"],
    &["restore", "-h"],
    &["--help"],
    &["-h"],
    &["--help", "create", "x"],
    &["help", "create"],
    &["create", "-h", "--", "x"],
];

/// Lines runc refuses: the engine must see runc's usage text and error.
const REFUSED: &[&[&str]] = &[
    &["create"],
    &["--root", "{S}", "create", "--bundle", "{B}"],
    &["create", "--help-me", "x"],
    &["create", "--bundle"],
    &["create", "x", "--bundle"],
    &["--root", "{S}", "create", "--bundle", "{N}", "x"],
    &["--root", "{S}", "create", "--bundle", "{E}", "x"],
    &["create", "a", "b"],
    &["create", "--bundle", "{B}", "-b", "{B}", "x"],
    &["create", "-h", "--help", "x"],
    &["create", "--preserve-fds", "z", "x"],
    &["create", "--preserve-fds", "08", "x"],
    &["create", "--no-pivot", "x", "--bundle", "{B}"],
    &["create", "--no-pivot=maybe", "x"],
    &["create", "---bundle", "{B}", "x"],
    &["create", "--root", "{S}", "x"],
    &["--log-format", "JSON", "create", "x"],
    &["--debug=yes", "create", "x"],
    &["--root"],
    &[
        "--root",
        "{S}",
        "--rootless",
        "maybe",
        "create",
        "--bundle",
        "{B}",
        "x",
    ],
    &["--root", "{S}", "create", "--bundle", "{B}", ""],
    &["--root", "{S}", "create", "--bundle", "{B}", "a/b"],
    &["--root", "{S}", "create", "--bundle", "{B}", ".."],
    &[
        "--root", "{S}", "run", "-d", "--detach", "--bundle", "{B}", "x",
    ],
    &[
        "--root",
        "{S}",
        "restore",
        "--empty-ns",
        "pid",
        "--bundle",
        "{B}",
        "x",
    ],
    &[
        "--root",
        "{S}",
        "restore",
        "--no-new-keyring",
        "--bundle",
        "{B}",
        "x",
    ],
    &["create", "--", "--bundle", "{B}", "x"],
    &["-v"],
    &["--version", "create", "x"],
    &["no-such-command"],
];

#[test]
fn help_is_runc_s_own_and_config_json_stays_untouched() {
    let s = setup();
    for cwd in [&s.bundle, &s.empty] {
        for line in HELP {
            same_as_runc(&s, cwd, line);
        }
    }
}

#[test]
fn lines_runc_refuses_get_runc_s_own_answer() {
    let s = setup();
    for cwd in [&s.bundle, &s.empty] {
        for line in REFUSED {
            same_as_runc(&s, cwd, line);
        }
    }
}

#[test]
fn runc_s_messages_name_it_as_the_engine_does() {
    let s = setup();
    // "runc: \"create\" requires exactly 1 argument(s)": argv[0] is the
    // name in `runtimes`, not the path the shim found.
    let out = run(s.toolkit.shim().arg("create").current_dir(&s.empty));
    let text = mask_log_times(&out.stderr);
    assert!(
        text.contains("runc: \\\"create\\\" requires exactly 1 argument(s)"),
        "{text}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("runc create [command options]"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    same_as_runc(&s, &s.empty, &["create"]);
}

/// What random lines are made of: whole flags (with their values) most of
/// the time, single tokens that break them now and then. Paths are
/// relative to the directory runc runs in. Bundle names and other words
/// are all valid container ids, so that runc's own id check (made after it
/// has read config.json) seldom separates "runc reads" from "runc acts".
const GLOBAL_PARTS: &[&[&str]] = &[
    &["--debug"],
    &["--debug=false"],
    &["--log", "log.json"],
    &["--log=log2.json"],
    &["--log", "b1"],
    &["--log-format", "json"],
    &["--log-format=text"],
    &["--root", "st"],
    &["-root=st"],
    &["--systemd-cgroup"],
    &["--criu", "c"],
    &["--rootless", "auto"],
    &["--help=false"],
    &["-h"],
    &["--"],
    &["--bogus"],
    &["--log"],
    &["--rootless"],
];

/// Flags of every one of `create`, `run` and `restore`, and ids.
const COMMON_PARTS: &[&[&str]] = &[
    &["--bundle", "b0"],
    &["--bundle", "b1"],
    &["-b", "b2"],
    &["-bundle", "b1"],
    &["--bundle=b1"],
    &["-b=b2"],
    &["--bundle="],
    &["--bundle", "missing"],
    &["--pid-file", "pf"],
    &["--console-socket", "cs"],
    &["--no-pivot"],
    &["--no-pivot=false"],
    &["--help=false"],
    &["-h=0"],
];

/// Flags of one subcommand only.
const CREATE_PARTS: &[&[&str]] = &[
    &["--no-new-keyring"],
    &["--preserve-fds", "3"],
    &["--preserve-fds=0x1"],
];
const RUN_PARTS: &[&[&str]] = &[
    &["-d"],
    &["--detach"],
    &["--keep"],
    &["--preserve-fds", "3"],
];
const RESTORE_PARTS: &[&[&str]] = &[
    &["-d"],
    &["--image-path", "img"],
    &["--empty-ns", "network"],
    &["--tcp-established"],
];

/// Single tokens that may break the line.
const NOISE: &[&[&str]] = &[
    &["--bundle"],
    &["-b"],
    &["-"],
    &["--"],
    &["-h"],
    &["--help"],
    &["-help"],
    &["--preserve-fds=z"],
    &["pid"],
    &["--unknown"],
    &["---bundle"],
    &["--root"],
    &["--pid-file"],
    &["--keep"],
    &["--image-path", "img"],
    &["--no-new-keyring"],
];

/// The letter of the config.json in each directory: each holds
/// `{"k": L}`, which runc refuses with "invalid character 'L' ...", so its
/// error says which config.json it read.
const DIRS: &[(&str, char)] = &[("", 'c'), ("b0", 'q'), ("b1", 'w'), ("b2", 'z')];

#[test]
fn on_random_lines_the_shim_reads_the_bundle_runc_reads() {
    let runc = require("runc");
    let tmp = tempfile::tempdir().unwrap();
    for (dir, letter) in DIRS {
        let p = tmp.path().join(dir);
        fs::create_dir_all(&p).unwrap();
        fs::write(p.join("config.json"), format!("{{\"k\": {letter}}}")).unwrap();
    }
    let mut rng = Rng::new("random runc lines");
    let cases = scale("CHTK_RUNC_LINES", 400);
    let (mut read, mut not_read) = (0, 0);
    for _ in 0..cases {
        let mut args: Vec<String> = Vec::new();
        let mut pick = |rng: &mut Rng, from: &[&[&str]]| {
            let part = from[rng.below(from.len() as u64) as usize];
            args.extend(part.iter().map(|t| t.to_string()));
        };
        for _ in 0..rng.below(3) {
            pick(&mut rng, GLOBAL_PARTS);
        }
        let (command, own) = match rng.below(4) {
            0 | 1 => ("create", CREATE_PARTS),
            2 => ("run", RUN_PARTS),
            _ => ("restore", RESTORE_PARTS),
        };
        pick(&mut rng, &[&[command]]);
        for _ in 0..rng.below(5) {
            match rng.below(8) {
                0 => pick(&mut rng, NOISE),
                1 | 2 => pick(&mut rng, own),
                _ => pick(&mut rng, COMMON_PARTS),
            }
        }
        // Mostly one container id, anywhere after the subcommand.
        let first = args.iter().position(|a| a == command).unwrap_or(0) + 1;
        for _ in 0..[1, 1, 1, 1, 1, 0, 2][rng.below(7) as usize] {
            let id = ["x", "id1", "a,b", "b0", "-"][rng.below(5) as usize];
            let at = first + rng.below((args.len() - first + 1) as u64) as usize;
            args.insert(at, id.to_string());
        }
        let out = run(Command::new(&runc).args(&args).current_dir(tmp.path()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let runc_read = DIRS
            .iter()
            .find(|(_, l)| {
                stderr.contains(&format!(
                    "invalid character '{l}' looking for beginning of value"
                ))
            })
            .map(|(dir, _)| *dir);
        let parsed = RuncArgs::parse(&args);
        if let Invocation::PassThrough { why } = &parsed.invocation {
            // runc checks these after reading config.json, and then stops:
            // it reads, but does not act, and neither does the shim.
            if why == "invalid value for --rootless" || why.starts_with("invalid id format") {
                continue;
            }
        }
        let shim_reads = match &parsed.invocation {
            Invocation::PassThrough { .. } => None,
            // runc's `Before` opens --log first: a directory there stops it.
            Invocation::Create { .. }
                if parsed
                    .log
                    .as_deref()
                    .is_some_and(|l| tmp.path().join(l).is_dir()) =>
            {
                None
            }
            Invocation::Create { bundle: None, .. } => Some(""),
            Invocation::Create {
                bundle: Some(b), ..
            } => DIRS
                .iter()
                .find(|(dir, _)| !dir.is_empty() && b == Path::new(dir))
                .map(|(dir, _)| *dir),
        };
        assert_eq!(
            shim_reads, runc_read,
            "{args:?}: the shim reads {shim_reads:?}, runc read {runc_read:?} ({:?})\nrunc said: {stderr}",
            parsed.invocation
        );
        if runc_read.is_some() {
            read += 1;
        } else {
            not_read += 1;
        }
    }
    eprintln!("{cases} random lines: runc read config.json on {read}, not on {not_read}");
    assert!(
        read > cases / 20 && not_read > cases / 20,
        "{read} {not_read}"
    );
}
